"""Composition stage: subgraph SDLs in, Apollo-format supergraph SDL (or coded errors) out.

See docs/composition.md for the pipeline and the commands built on it.
"""

from router.composition.compose import CompositionResult, SubgraphInput, compose
from router.composition.errors import CompositionError, CompositionHint

__all__ = ["CompositionError", "CompositionHint", "CompositionResult", "SubgraphInput", "compose"]
