"""The response shape of an operation, compiled once per plan.

The executor merges subgraph answers into one tree that also holds helper fields (keys,
required fields, ``__typename``). The final response is produced by walking this shape:
only client fields, in the client's order, with nullability per the schema. Compiling it
at plan time keeps the per-request walk to dictionary lookups.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from router.planning.operation import Field, Selection

NON_NULL = "!"
LIST = "[]"

LEAF = 0
TYPENAME = 1
COMPOSITE = 2
ENUM = 3

# how the shaper handles a field (precomputed so the common cases cost one dict lookup)
PLAIN_LEAF = 0  # nullable scalar: copy
REQUIRED_LEAF = 1  # non-null scalar: copy, null propagates
TYPENAME_FIELD = 2
GENERAL = 3  # anything else: full completion
OBJECT = 4  # an object, nullable or not
OBJECT_LIST = 5  # a list of objects (one level), any nullability
LEAF_LIST = 6  # a list of scalars (one level), any nullability


@dataclass(frozen=True, slots=True)
class ShapeField:
    response_key: str
    name: str
    wrappers: tuple[str, ...]  # outermost first: "!" non-null, "[]" list
    kind: int
    child: "ShapeNode | None" = None
    enum_values: frozenset[str] | None = None
    parent_type: str = ""
    mode: int = GENERAL
    nullable: bool = True  # the field itself may be null
    items_nullable: bool = True  # for OBJECT_LIST / LEAF_LIST: items may be null

    def __post_init__(self) -> None:
        wrappers = self.wrappers
        outer = wrappers[1:] if wrappers[:1] == (NON_NULL,) else wrappers
        one_list = outer[:1] == (LIST,) and outer[1:] in ((), (NON_NULL,))
        if self.kind == TYPENAME:
            mode = TYPENAME_FIELD
        elif self.kind == LEAF and wrappers == ():
            mode = PLAIN_LEAF
        elif self.kind == LEAF and wrappers == (NON_NULL,):
            mode = REQUIRED_LEAF
        elif self.kind == COMPOSITE and outer == ():
            mode = OBJECT
        elif self.kind == COMPOSITE and one_list:
            mode = OBJECT_LIST
        elif self.kind == LEAF and one_list:
            mode = LEAF_LIST
        else:
            mode = GENERAL
        object.__setattr__(self, "mode", mode)
        object.__setattr__(self, "nullable", wrappers[:1] != (NON_NULL,))
        object.__setattr__(self, "items_nullable", outer[1:] != (NON_NULL,))


@dataclass(frozen=True, slots=True)
class ShapeNode:
    type_name: str
    abstract: bool
    by_type: dict[str, tuple[ShapeField, ...]]
    default: tuple[ShapeField, ...] | None
    hidden: frozenset[str] = frozenset()  # runtime types clients cannot see (@inaccessible): null
    single: tuple[ShapeField, ...] | None = None  # the fields, when the position is one object type
    # for abstract positions: the object types an object here may be. One whose __typename is
    # none of them (an @interfaceObject stand-in whose real type never arrived) cannot get
    # type-specific fields; unless every type selects alike (``default``), it is an error.
    possible: frozenset[str] = frozenset()
    # the executor's compiled shaping function, made on first use (False: none possible)
    compiled: Any = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.abstract and self.type_name in self.by_type:
            object.__setattr__(self, "single", self.by_type[self.type_name])

    def fields_for(self, type_name: str | None) -> tuple[ShapeField, ...]:
        if type_name is not None:
            found = self.by_type.get(type_name)
            if found is not None:
                return found
        if self.default is not None:
            return self.default
        if len(self.by_type) == 1:
            return next(iter(self.by_type.values()))
        return ()


def _wrappers(graphql_type: GraphQLOutputType) -> tuple[tuple[str, ...], GraphQLOutputType]:
    tokens: list[str] = []
    current = graphql_type
    while True:
        if isinstance(current, GraphQLNonNull):
            tokens.append(NON_NULL)
            current = current.of_type
        elif isinstance(current, GraphQLList):
            tokens.append(LIST)
            current = current.of_type
        else:
            return tuple(tokens), current


class ShapeCompiler:
    def __init__(self, schema: GraphQLSchema, api_schema: GraphQLSchema) -> None:
        self.schema = schema
        self.api_schema = api_schema
        self._memo: dict[int, ShapeNode] = {}

    def compile(self, selection: Selection) -> ShapeNode:
        """The shape of one operation (memoised per call: ids are only stable within it)."""
        self._memo = {}
        self._keep: list[Selection] = []
        try:
            return self.node(selection)
        finally:
            self._memo = {}
            self._keep = []

    def node(self, selection: Selection) -> ShapeNode:
        found = self._memo.get(id(selection))
        if found is not None:
            return found
        parent = self.schema.type_map[selection.parent]
        abstract = isinstance(parent, (GraphQLInterfaceType, GraphQLUnionType))
        by_type = {name: self.fields(name, fields) for name, fields in selection.by_type}
        default = None
        if selection.common is not None:
            # compile against a concrete type: a union has no fields, an interface may lack some
            source = selection.by_type[0][0] if selection.by_type else selection.parent
            default = self.fields(source, selection.common) if selection.common or selection.by_type else ()
        hidden = frozenset(name for name in by_type if name not in self.api_schema.type_map)
        possible = frozenset(t.name for t in self.schema.get_possible_types(parent)) if abstract else frozenset()  # type: ignore[arg-type]
        node = ShapeNode(selection.parent, abstract, by_type, default, hidden, possible=possible)
        self._memo[id(selection)] = node
        return node

    def fields(self, type_name: str, fields: tuple[Field, ...]) -> tuple[ShapeField, ...]:
        graphql_type = self.schema.type_map[type_name]
        assert isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType))
        shaped: list[ShapeField] = []
        for field in fields:
            if field.name == "__typename":
                shaped.append(ShapeField(field.response_key, "__typename", (NON_NULL,), TYPENAME, parent_type=type_name))
                continue
            definition = graphql_type.fields.get(field.name)
            if definition is None:
                definition = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}[field.name]
            wrappers, named = _wrappers(definition.type)
            if field.selection is not None:
                shaped.append(
                    ShapeField(field.response_key, field.name, wrappers, COMPOSITE, self.node(field.selection), parent_type=type_name)
                )
            elif isinstance(named, GraphQLEnumType):
                api_enum = self.api_schema.type_map.get(named.name)
                values = frozenset(api_enum.values) if isinstance(api_enum, GraphQLEnumType) else frozenset(named.values)
                shaped.append(ShapeField(field.response_key, field.name, wrappers, ENUM, enum_values=values, parent_type=type_name))
            else:
                shaped.append(ShapeField(field.response_key, field.name, wrappers, LEAF, parent_type=type_name))
        return tuple(shaped)
