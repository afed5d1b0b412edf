"""The finished query plan: immutable, everything per-operation precomputed for the executor.

The executor runs fetches as a dependency graph (each fetch starts as soon as the fetches
it reads from are done), which is at least as concurrent as Apollo's sequence/parallel
tree; ``describe`` prints that tree shape for humans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from router.planning.aliases import RenameNode
from router.planning.shape import ShapeNode
from router.planning.steps import ContextVariable, InputField


@dataclass(frozen=True, slots=True)
class EntityInputSpec:
    sent_type: str
    fields: tuple[InputField, ...]
    flat: bool = False  # no nested selections: representations can be compared as value tuples
    # flat specs: reads every field of an object at once (KeyError when one is missing), and a
    # prefix naming the representation's type and fields, so values alone identify it
    values: Callable[[dict[str, Any]], Any] | None = field(default=None, compare=False, repr=False)
    identity: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        flat = all(f.child is None for f in self.fields)
        object.__setattr__(self, "flat", flat)
        if flat and self.fields:
            object.__setattr__(self, "values", itemgetter(*(f.source_key for f in self.fields)))
            object.__setattr__(self, "identity", "\x00".join([self.sent_type, *(f.name for f in self.fields)]))


@dataclass(frozen=True, slots=True)
class FetchNode:
    id: int
    subgraph: str
    operation: str  # the GraphQL document sent to the subgraph
    operation_kind: str
    variable_names: tuple[str, ...]
    is_entity: bool
    path: tuple[str, ...]  # merge path; "@" = each list item
    inputs: dict[str, EntityInputSpec] = field(default_factory=dict)  # by object __typename
    depends_on: tuple[int, ...] = ()
    representations_variable: str = "representations"
    renames: RenameNode | None = None  # internal aliases to undo in the answer
    contexts: tuple[ContextVariable, ...] = ()  # @fromContext values, read from ancestors per object
    selection_text: str = ""  # the selection alone, for printing
    requires_text: str = ""  # the representation shape, for printing


@dataclass(frozen=True, slots=True)
class LocalNode:
    """Root fields the router answers itself: introspection and root ``__typename``."""

    operation: str
    variable_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueryPlan:
    operation_kind: str
    operation_name: str | None
    fetches: tuple[FetchNode, ...]
    shape: ShapeNode
    local: LocalNode | None = None
    dependents: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # how the executor sends the fetches (router.execution.schedule), by sharing setting, made on first use
    schedule: Any = field(default=None, compare=False, repr=False)

    @property
    def roots(self) -> tuple[FetchNode, ...]:
        return tuple(f for f in self.fetches if not f.depends_on)

    def describe(self) -> str:
        from router.planning.printer import print_plan

        return print_plan(self)
