"""The supergraph as plain data: which subgraph defines what, and how entities are keyed.

The planner reads only this (plus graphql-core schemas); it never looks at ``@join__*``
directives itself, so every supergraph version (join v0.1 to v0.5) is handled in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from graphql import GraphQLSchema, SelectionSetNode, print_schema

from router.supergraph.authorization import Authorization

TypeKind = Literal["object", "interface", "union", "enum", "input", "scalar"]


@dataclass(frozen=True)
class SubgraphInfo:
    """A subgraph as the router reaches it: ``name`` from ``@join__graph``, ``enum_value`` in ``join__Graph``."""

    name: str
    url: str
    enum_value: str


@dataclass(frozen=True)
class Key:
    """One ``@key`` of a type in one subgraph; ``resolvable=False`` keys can be sent, not resolved."""

    fields: str
    selection: SelectionSetNode
    resolvable: bool = True
    extension: bool = False


@dataclass(frozen=True)
class ContextArgument:
    """An argument a subgraph fills from an ancestor's context (``@fromContext``, join v0.5)."""

    context: str  # "<subgraph>__<name>" as in @context(name:) on the ancestor type
    name: str
    type: str
    selection: SelectionSetNode


@dataclass
class FieldPlacement:
    """A field as one subgraph defines it (``@join__field`` arguments, or implied by ``@join__type``)."""

    subgraph: str
    type: str | None = None  # the subgraph's own type reference when it differs (``type:`` argument)
    external: bool = False
    requires: SelectionSetNode | None = None
    requires_text: str | None = None
    provides: SelectionSetNode | None = None
    provides_text: str | None = None
    override_from: str | None = None  # subgraph *name* the field was taken from
    override_label: str | None = None
    used_overridden: bool = False
    context_arguments: tuple[ContextArgument, ...] = ()

    @property
    def entity_only(self) -> bool:
        """Resolvable only through ``_entities``: the representation carries its inputs."""
        return self.requires is not None or bool(self.context_arguments)


@dataclass
class TypePlacement:
    """A type as one subgraph defines it: keys, fields, implemented interfaces, union members."""

    subgraph: str
    keys: list[Key] = field(default_factory=list)
    is_interface_object: bool = False
    extension: bool = False
    fields: dict[str, FieldPlacement] = field(default_factory=dict)
    implements: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    enum_values: set[str] = field(default_factory=set)

    @property
    def resolvable_keys(self) -> list[Key]:
        return [key for key in self.keys if key.resolvable]


@dataclass
class TypeMeta:
    """A supergraph type and the subgraphs that define it (in ``join__Graph`` order)."""

    name: str
    kind: TypeKind
    placements: dict[str, TypePlacement] = field(default_factory=dict)
    inaccessible: bool = False
    contexts: frozenset[str] = frozenset()  # @context(name:) set by this type


@dataclass
class Supergraph:
    """A loaded supergraph: subgraphs, per-subgraph type metadata, the API schema and auth metadata."""

    sdl: str
    schema: GraphQLSchema  # the whole supergraph, machinery and @inaccessible elements included
    api_schema: GraphQLSchema
    subgraphs: dict[str, SubgraphInfo]
    types: dict[str, TypeMeta]
    authorization: Authorization
    join_version: tuple[int, int]
    inaccessible_fields: frozenset[tuple[str, str]] = frozenset()

    @property
    def is_fed1(self) -> bool:
        return self.join_version < (0, 2)

    def api_schema_sdl(self) -> str:
        return self._api_sdl

    @cached_property
    def _api_sdl(self) -> str:
        return print_schema(self.api_schema)

    def with_subgraph_urls(self, urls: dict[str, str]) -> "Supergraph":
        """A copy whose subgraphs answer at other URLs (keyed by subgraph name); unknown names are an error."""
        from router.supergraph.errors import SupergraphError

        unknown = sorted(set(urls) - set(self.subgraphs))
        if unknown:
            raise SupergraphError(f"unknown subgraph(s) in URL override: {', '.join(unknown)}")
        subgraphs = {
            name: replace(info, url=urls.get(name, info.url)) for name, info in self.subgraphs.items()
        }
        return replace(self, subgraphs=subgraphs)

    def possible_types_in(self, subgraph: str, abstract: str) -> list[str]:
        """Object types a field of abstract type ``abstract`` can return *from* ``subgraph``."""
        cache_key = (subgraph, abstract)
        cached = self._possible_cache.get(cache_key)
        if cached is not None:
            return cached
        meta = self.types.get(abstract)
        result: list[str] = []
        if meta is not None and subgraph in meta.placements:
            placement = meta.placements[subgraph]
            if meta.kind == "union":
                result = [m for m in self.schema_possible(abstract) if m in placement.members]
            elif meta.kind == "interface":
                result = [
                    t
                    for t in self.schema_possible(abstract)
                    if subgraph in self.types[t].placements
                    and abstract in self.types[t].placements[subgraph].implements
                ]
        self._possible_cache[cache_key] = result
        return result

    def schema_possible(self, abstract: str) -> list[str]:
        from graphql import GraphQLInterfaceType, GraphQLUnionType

        graphql_type = self.schema.type_map.get(abstract)
        if isinstance(graphql_type, (GraphQLInterfaceType, GraphQLUnionType)):
            return [t.name for t in self.schema.get_possible_types(graphql_type)]
        return [abstract]

    @cached_property
    def _possible_cache(self) -> dict[tuple[str, str], list[str]]:
        return {}
