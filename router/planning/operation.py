"""The normalised operation: fragments gone, conditions folded, fields merged, types explicit.

Every selection is stored per concrete runtime type (``by_type``), so the planner never has
to reason about fragments or interfaces; ``common`` keeps the shared list when all types
select the same thing, which is what an ``@interfaceObject`` subgraph can answer.
Instances are immutable and hashable, so planning decisions can be memoised on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphql import VariableDefinitionNode

OperationKind = Literal["query", "mutation", "subscription"]


@dataclass(frozen=True, slots=True)
class Field:
    """One merged field. ``response_key`` is the alias if any, else the name."""

    response_key: str
    name: str
    arguments: str = ""  # printed, e.g. ``(first: 5, after: $cursor)``; compared as text
    directives: str = ""  # printed directives forwarded to subgraphs (not skip/include)
    variables: tuple[str, ...] = ()  # variables referenced by arguments and directives
    selection: "Selection | None" = None

    @property
    def alias(self) -> str | None:
        return self.response_key if self.response_key != self.name else None

    def same_field(self, other: "Field") -> bool:
        """Same schema field with the same arguments (so one fetch can serve both)."""
        return self.name == other.name and self.arguments == other.arguments


@dataclass(frozen=True, slots=True)
class Selection:
    """What is selected below one position, per possible concrete type of that position."""

    parent: str
    by_type: tuple[tuple[str, tuple[Field, ...]], ...]
    common: tuple[Field, ...] | None = None
    _index: dict[str, tuple[Field, ...]] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update(self.by_type)

    def fields_for(self, type_name: str) -> tuple[Field, ...]:
        found = self._index.get(type_name)
        if found is not None:
            return found
        return self.common or ()

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(t for t, _ in self.by_type)


@dataclass(frozen=True, slots=True)
class NormalizedOperation:
    kind: OperationKind
    name: str | None
    root_type: str
    selection: Selection
    variable_definitions: tuple[VariableDefinitionNode, ...]
