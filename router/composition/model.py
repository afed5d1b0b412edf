"""A small, mutable GraphQL schema model shared by every composition stage.

graphql-core's ``GraphQLSchema`` cannot hold what subgraphs legitimately contain
(extensions of types defined elsewhere, directives applied per extension block,
federation machinery) nor what merging needs (ordered directive applications,
"this field came from an extension"), so composition works on these plain
dataclasses and only uses graphql-core for parsing and value printing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Literal

from graphql.language import ast as gast

Kind = Literal["OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT", "SCALAR"]

BUILTIN_SCALARS = ("String", "Int", "Float", "Boolean", "ID")
BUILTIN_DIRECTIVES = ("deprecated", "specifiedBy", "include", "skip", "oneOf", "defer", "stream")
ROOT_KINDS = ("query", "mutation", "subscription")
DEFAULT_ROOT_NAMES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class NamedRef:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ListRef:
    of: "TypeRef"

    def __str__(self) -> str:
        return f"[{self.of}]"


@dataclass(frozen=True)
class NonNullRef:
    of: "TypeRef"

    def __str__(self) -> str:
        return f"{self.of}!"


TypeRef = NamedRef | ListRef | NonNullRef


def base_name(ref: TypeRef) -> str:
    while not isinstance(ref, NamedRef):
        ref = ref.of
    return ref.name


def type_ref_from_ast(node: gast.TypeNode) -> TypeRef:
    if isinstance(node, gast.NonNullTypeNode):
        return NonNullRef(type_ref_from_ast(node.type))
    if isinstance(node, gast.ListTypeNode):
        return ListRef(type_ref_from_ast(node.type))
    assert isinstance(node, gast.NamedTypeNode)
    return NamedRef(node.name.value)


def parse_type_ref(text: str) -> TypeRef:
    from graphql import parse_type

    return type_ref_from_ast(parse_type(text))


# ---------------------------------------------------------------------- elements


@dataclass
class Directive:
    """One application of a directive. ``args`` keeps graphql-core value nodes in
    source order, which is also the order Apollo prints them in."""

    name: str
    args: dict[str, gast.ValueNode] = field(default_factory=dict)
    extension: int = 0  # 0, or the number of the `extend` block it was applied on (truthy)

    def arg_value(self, name: str, default: Any = None) -> Any:
        node = self.args.get(name)
        return default if node is None else value_to_py(node)

    def field_set(self) -> str | None:
        """The ``fields`` argument if it is a string literal (anything else is invalid)."""
        node = self.args.get("fields")
        return node.value if isinstance(node, gast.StringValueNode) else None


@dataclass
class InputValue:
    """A field argument, directive argument or input object field."""

    name: str
    type: TypeRef
    default: gast.ValueNode | None = None
    description: str | None = None
    directives: list[Directive] = field(default_factory=list)
    extension: bool = False

    def is_required(self) -> bool:
        return isinstance(self.type, NonNullRef) and self.default is None


@dataclass
class Field:
    name: str
    type: TypeRef
    args: dict[str, InputValue] = field(default_factory=dict)
    description: str | None = None
    directives: list[Directive] = field(default_factory=list)
    extension: int = 0  # 0, or the number of the `extend type` block declaring it


@dataclass
class EnumValueDef:
    name: str
    description: str | None = None
    directives: list[Directive] = field(default_factory=list)
    extension: int = 0


@dataclass
class TypeDef:
    kind: Kind
    name: str
    description: str | None = None
    directives: list[Directive] = field(default_factory=list)
    fields: dict[str, Field] = field(default_factory=dict)  # object / interface
    input_fields: dict[str, InputValue] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValueDef] = field(default_factory=dict)
    has_definition: bool = False
    has_extension: bool = False

    @property
    def is_composite(self) -> bool:
        return self.kind in ("OBJECT", "INTERFACE", "UNION")

    @property
    def is_leaf(self) -> bool:
        return self.kind in ("SCALAR", "ENUM")

    @property
    def is_input(self) -> bool:
        return self.kind in ("SCALAR", "ENUM", "INPUT_OBJECT")

    def directives_named(self, name: str) -> list[Directive]:
        return [d for d in self.directives if d.name == name]

    def has_directive(self, name: str) -> bool:
        return any(d.name == name for d in self.directives)


@dataclass
class DirectiveDef:
    name: str
    args: dict[str, InputValue] = field(default_factory=dict)
    locations: list[str] = field(default_factory=list)
    repeatable: bool = False
    description: str | None = None


@dataclass
class Schema:
    types: dict[str, TypeDef] = field(default_factory=dict)
    directive_defs: dict[str, DirectiveDef] = field(default_factory=dict)
    schema_directives: list[Directive] = field(default_factory=list)
    roots: dict[str, str] = field(default_factory=dict)  # operation kind -> type name
    description: str | None = None

    def type(self, name: str) -> TypeDef | None:
        return self.types.get(name)

    def root_type_names(self) -> set[str]:
        return set(self.roots.values())

    def is_root(self, name: str) -> bool:
        return name in self.roots.values()

    def root_kind_of(self, name: str) -> str | None:
        for kind, type_name in self.roots.items():
            if type_name == name:
                return kind
        return None

    def field(self, type_name: str, field_name: str) -> Field | None:
        t = self.types.get(type_name)
        return t.fields.get(field_name) if t else None

    def possible_runtime_types(self, type_name: str) -> list[str]:
        """Object types a value of ``type_name`` can be at runtime, in schema order."""
        t = self.types.get(type_name)
        if t is None:
            return []
        if t.kind == "OBJECT":
            return [t.name]
        if t.kind == "UNION":
            return [m for m in t.members if (mt := self.types.get(m)) is not None and mt.kind == "OBJECT"]
        if t.kind == "INTERFACE":
            return [
                o.name for o in self.types.values() if o.kind == "OBJECT" and implements(self, o, type_name)
            ]
        return []

    def implementations(self, itf: str) -> Iterator[TypeDef]:
        for t in self.types.values():
            if t.kind in ("OBJECT", "INTERFACE") and itf in t.interfaces:
                yield t


def implements(schema: Schema, t: TypeDef, itf: str) -> bool:
    return itf in t.interfaces


# ---------------------------------------------------------------------- values


def value_to_py(node: gast.ValueNode) -> Any:
    """The JavaScript-ish value Apollo compares directive arguments with: enum and
    string values are both strings, numbers are numbers."""
    if isinstance(node, gast.StringValueNode | gast.EnumValueNode):
        return node.value
    if isinstance(node, gast.IntValueNode):
        return int(node.value)
    if isinstance(node, gast.FloatValueNode):
        value = float(node.value)
        return int(value) if value.is_integer() else value
    if isinstance(node, gast.BooleanValueNode):
        return node.value
    if isinstance(node, gast.NullValueNode):
        return None
    if isinstance(node, gast.ListValueNode):
        return [value_to_py(v) for v in node.values]
    if isinstance(node, gast.ObjectValueNode):
        return {f.name.value: value_to_py(f.value) for f in node.fields}
    if isinstance(node, gast.VariableNode):
        return ("$", node.name.value)
    raise TypeError(f"unexpected value node {node!r}")


def value_key(value: Any) -> Any:
    """A hashable, order-insensitive (for objects) form of ``value_to_py`` output."""
    if isinstance(value, list):
        return ("list", tuple(value_key(v) for v in value))
    if isinstance(value, dict):
        return ("obj", tuple(sorted((k, value_key(v)) for k, v in value.items())))
    if isinstance(value, bool):
        return ("bool", value)
    return value


def py_to_value_node(value: Any) -> gast.ValueNode:
    if value is None:
        return gast.NullValueNode()
    if isinstance(value, bool):
        return gast.BooleanValueNode(value=value)
    if isinstance(value, int):
        return gast.IntValueNode(value=str(value))
    if isinstance(value, float):
        return gast.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return gast.StringValueNode(value=value)
    if isinstance(value, list):
        return gast.ListValueNode(values=tuple(py_to_value_node(v) for v in value))
    if isinstance(value, dict):
        return gast.ObjectValueNode(
            fields=tuple(
                gast.ObjectFieldNode(name=gast.NameNode(value=k), value=py_to_value_node(v)) for k, v in value.items()
            )
        )
    raise TypeError(f"cannot convert {value!r} to a GraphQL value")


def string_node(value: str) -> gast.StringValueNode:
    return gast.StringValueNode(value=value)


def enum_node(value: str) -> gast.EnumValueNode:
    return gast.EnumValueNode(value=value)


def bool_node(value: bool) -> gast.BooleanValueNode:
    return gast.BooleanValueNode(value=value)


def print_value(node: gast.ValueNode) -> str:
    """Print a value the way Apollo's ``valueToString`` does (JSON strings, JS numbers)."""
    import json

    if isinstance(node, gast.StringValueNode):
        return json.dumps(node.value, ensure_ascii=False)
    if isinstance(node, gast.EnumValueNode):
        return node.value
    if isinstance(node, gast.IntValueNode):
        return str(int(node.value))
    if isinstance(node, gast.FloatValueNode):
        value = float(node.value)
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(node, gast.BooleanValueNode):
        return "true" if node.value else "false"
    if isinstance(node, gast.NullValueNode):
        return "null"
    if isinstance(node, gast.ListValueNode):
        return "[" + ", ".join(print_value(v) for v in node.values) + "]"
    if isinstance(node, gast.ObjectValueNode):
        return "{" + ", ".join(f"{f.name.value}: {print_value(f.value)}" for f in node.fields) + "}"
    if isinstance(node, gast.VariableNode):
        return "$" + node.name.value
    raise TypeError(f"unexpected value node {node!r}")


def print_directive(d: Directive) -> str:
    if not d.args:
        return "@" + d.name
    return "@" + d.name + "(" + ", ".join(f"{k}: {print_value(v)}" for k, v in d.args.items()) + ")"
