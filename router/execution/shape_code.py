"""Response shapes compiled to Python functions, once per operation.

Shaping copies every client field of every object of every response, so on a large
answer it is the router's biggest per-request cost. Interpreting the shape (a loop over
fields, a branch on each field's mode) costs more than the copying itself; a function
generated for the shape builds each object as one dict display with the checks inlined,
which is about twice as fast.

The generated code does what ``shaping._fast_object`` does, no more: it raises
:class:`Problem` at the first thing that needs care (a null to propagate, a value of the
wrong kind, an enum value clients may not see, a type hidden from clients) and the
careful walk in ``shaping.Shaper`` redoes the answer with paths and errors. Response keys
and type names only reach the code through ``repr``; GraphQL names could not break out of
a string literal anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from router.planning.shape import (
    ENUM,
    LEAF_LIST,
    LIST,
    NON_NULL,
    OBJECT,
    OBJECT_LIST,
    PLAIN_LEAF,
    REQUIRED_LEAF,
    TYPENAME_FIELD,
    ShapeField,
    ShapeNode,
)

ShapeFunction = Callable[[dict[str, Any]], dict[str, Any]]


class Problem(Exception):
    """Something in this answer needs the careful walk."""


_PROBLEM = Problem()


class _Unsupported(Exception):
    """A field the generated code does not handle (nested lists): always use the careful walk."""


def _raise(*_args: Any) -> Any:
    raise _PROBLEM


def _null_item(item: Any) -> None:
    if item is not None:
        raise _PROBLEM


def _enum_items(items: list[Any], values: frozenset[str], items_nullable: bool) -> list[Any]:
    for item in items:
        if item is None:
            if not items_nullable:
                raise _PROBLEM
        elif type(item) is not str or item not in values:
            raise _PROBLEM
    return items


def compile_shape(shape: ShapeNode) -> ShapeFunction | None:
    """A function shaping a merged tree for ``shape``, or None if only the careful walk can."""
    generator = _Generator()
    try:
        entry = generator.node(shape)
    except _Unsupported:
        return None
    namespace: dict[str, Any] = dict(generator.constants)
    namespace.update(P=_PROBLEM, _raise=_raise, _null_item=_null_item, _enum_items=_enum_items)
    source = "\n".join(generator.lines + generator.tables)
    exec(compile(source, f"<shape of {shape.type_name}>", "exec"), namespace)  # noqa: S102
    return namespace[entry]  # type: ignore[no-any-return]


class _Generator:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[str] = []  # dispatch tables, after the functions they name
        self.constants: dict[str, Any] = {}
        self.memo: dict[int, str] = {}
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def node(self, shape: ShapeNode) -> str:
        """The name of the function shaping one object at a position of ``shape``."""
        found = self.memo.get(id(shape))
        if found is not None:
            return found
        if not shape.abstract:
            fields = shape.single if shape.single is not None else shape.fields_for(shape.type_name)
            name = self.object_function(fields, repr(shape.type_name))
        else:
            entries = []
            for type_name, fields in shape.by_type.items():
                function = "_raise" if type_name in shape.hidden else self.object_function(fields, repr(type_name))
                entries.append(f"{type_name!r}: {function}")
            # any other __typename (or none) gets what ``ShapeNode.fields_for`` gives it
            fallback = self.object_function(
                shape.fields_for(None), f"(t if t is not None else {shape.type_name!r})", takes_typename=True
            )
            table = self.name("T")
            self.tables.append(f"{table} = {{{', '.join(entries)}}}")
            name = self.name("N")
            self.lines += [
                f"def {name}(d):",
                "    t = d.get('__typename')",
                "    if type(t) is str:",
                f"        f = {table}.get(t)",
                "        if f is not None:",
                "            return f(d)",
                "    elif t is not None:",
                "        raise P",
            ]
            if shape.default is None:  # an object of no known type: the careful walk reports it
                possible = self.name("E")
                self.constants[possible] = shape.possible
                self.lines.append(f"    if t not in {possible}: raise P")
            self.lines.append(f"    return {fallback}(d, t)")
        self.memo[id(shape)] = name
        return name

    def object_function(self, fields: tuple[ShapeField, ...], typename: str, takes_typename: bool = False) -> str:
        body: list[str] = []
        items: list[str] = []
        for index, field in enumerate(fields):
            key = repr(field.response_key)
            value = f"v{index}"
            mode = field.mode
            if mode == PLAIN_LEAF:
                items.append(f"{key}: g({key})")
                continue
            if mode == TYPENAME_FIELD:
                items.append(f"{key}: {typename}")
                continue
            items.append(f"{key}: {value}")
            body.append(f"    {value} = g({key})")
            otherwise = "    else:" if not field.nullable else f"    elif {value} is not None:"
            if mode == REQUIRED_LEAF:
                body.append(f"    if {value} is None: raise P")
            elif mode == OBJECT:
                child = self.node(field.child)  # type: ignore[arg-type]
                body += [f"    if type({value}) is dict: {value} = {child}({value})", otherwise, "        raise P"]
            elif mode == OBJECT_LIST:
                child = self.node(field.child)  # type: ignore[arg-type]
                item = "_null_item(x)" if field.items_nullable else "_raise()"
                body += [
                    f"    if type({value}) is list: {value} = [{child}(x) if type(x) is dict else {item} for x in {value}]",
                    otherwise,
                    "        raise P",
                ]
            elif mode == LEAF_LIST:
                check = "pass" if field.items_nullable else f"\n        if None in {value}: raise P"
                body += [f"    if type({value}) is list: {check}", otherwise, "        raise P"]
            elif field.kind == ENUM:
                self.enum_field(field, value, body)
            else:
                raise _Unsupported(field.response_key)
        name = self.name("F")
        self.lines.append(f"def {name}(d, t=None):" if takes_typename else f"def {name}(d):")
        if body or any("g(" in item for item in items):
            self.lines.append("    g = d.get")
        self.lines += body
        self.lines.append("    return {" + ", ".join(items) + "}")
        return name

    def enum_field(self, field: ShapeField, value: str, body: list[str]) -> None:
        """Enum values are checked against those the API schema exposes."""
        if field.enum_values is None:
            raise _Unsupported(field.response_key)
        values = self.name("E")
        self.constants[values] = field.enum_values
        wrappers = field.wrappers
        outer = wrappers[1:] if wrappers[:1] == (NON_NULL,) else wrappers
        otherwise = "    else:" if not field.nullable else f"    elif {value} is not None:"
        if outer == ():
            body += [f"    if type({value}) is str:", f"        if {value} not in {values}: raise P", otherwise, "        raise P"]
        elif outer[:1] == (LIST,) and outer[1:] in ((), (NON_NULL,)):
            items_nullable = outer[1:] != (NON_NULL,)
            body += [
                f"    if type({value}) is list: _enum_items({value}, {values}, {items_nullable})",
                otherwise,
                "        raise P",
            ]
        else:
            raise _Unsupported(field.response_key)
