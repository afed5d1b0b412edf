"""Supergraph stage: Apollo supergraph SDL in, plain-data model and API schema out."""

from router.supergraph.authorization import AuthRequirements, Authorization
from router.supergraph.errors import SupergraphError
from router.supergraph.loader import load_supergraph
from router.supergraph.model import FieldPlacement, Key, SubgraphInfo, Supergraph, TypeMeta, TypePlacement

__all__ = [
    "AuthRequirements",
    "Authorization",
    "FieldPlacement",
    "Key",
    "SubgraphInfo",
    "Supergraph",
    "SupergraphError",
    "TypeMeta",
    "TypePlacement",
    "load_supergraph",
]
