"""Final response shaping: the merged tree, read through the operation's shape.

Produces exactly the client's fields in the client's order (helper fields vanish), applies
GraphQL null propagation (a null in a non-null position nulls the nearest nullable parent)
and rejects enum values the API schema does not expose.
"""

from __future__ import annotations

from typing import Any

from router.execution.shape_code import Problem, compile_shape
from router.planning.shape import (
    COMPOSITE,
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


class _Invalid:
    """Marker: this value is null in a non-null position; the parent must become null."""


INVALID = _Invalid()


class Shaper:
    def __init__(self, errors: list[dict[str, Any]], known_error_paths: set[tuple[Any, ...]]) -> None:
        self.errors = errors
        # Pre-execution errors (authorization) use Apollo's path notation: "@" for every list
        # index and "... on T" for type conditions; runtime paths have neither.
        self.known = {tuple(k for k in known if not (isinstance(k, str) and k.startswith("... on "))) for known in known_error_paths}
        self.path: list[str | int] = []

    def root(self, shape: ShapeNode, data: dict[str, Any] | None) -> dict[str, Any] | None:
        if data is None:
            return None
        fast = shape.compiled
        if fast is None:  # once per operation
            fast = compile_shape(shape) or False
            object.__setattr__(shape, "compiled", fast)
        try:
            return fast(data) if fast else _fast_object(shape, data)
        except (_Problem, Problem):
            pass  # a null to propagate or a value to reject: redo it the careful way, with paths
        result = self.object(shape, data)
        return None if result is INVALID else result  # type: ignore[return-value]

    def object(self, shape: ShapeNode, data: dict[str, Any]) -> dict[str, Any] | _Invalid:
        if shape.abstract:
            typename = data.get("__typename")
            if not isinstance(typename, str):
                typename = None  # a broken subgraph answer: no type to go by
            if typename in shape.hidden:
                return None  # type: ignore[return-value]
            if shape.default is None and typename not in shape.possible:
                self.unresolved_type(shape, typename)
                return None  # type: ignore[return-value]
        else:
            typename = shape.type_name
        fields = shape.fields_for(typename)
        result: dict[str, Any] = {}
        get = data.get
        for field in fields:
            key = field.response_key
            mode = field.mode
            if mode == PLAIN_LEAF:  # the common case, kept free of calls
                result[key] = get(key)
                continue
            if mode == REQUIRED_LEAF:
                value = get(key)
                if value is None:
                    self.path.append(key)
                    self.null_error(field)
                    self.path.pop()
                    return INVALID
                result[key] = value
                continue
            if mode == TYPENAME_FIELD:
                result[key] = typename if typename is not None else shape.type_name
                continue
            self.path.append(key)
            value = self.complete(field, get(key), 0)
            self.path.pop()
            if value is INVALID:
                return INVALID
            result[key] = value
        return result

    def complete(self, field: ShapeField, value: Any, depth: int) -> Any:
        wrappers = field.wrappers
        non_null = depth < len(wrappers) and wrappers[depth] == NON_NULL
        if non_null:
            depth += 1
        if value is None:
            if non_null:
                self.null_error(field)
                return INVALID
            return None
        if depth < len(wrappers) and wrappers[depth] == LIST:
            if not isinstance(value, list):
                return self.invalid_value(field, non_null, "a list")
            items: list[Any] = []
            path = self.path
            for index, item in enumerate(value):
                path.append(index)
                completed = self.complete(field, item, depth + 1)
                path.pop()
                if completed is INVALID:
                    return INVALID if non_null else None
                items.append(completed)
            return items
        kind = field.kind
        if kind == COMPOSITE:
            if not isinstance(value, dict):
                return self.invalid_value(field, non_null, "an object")
            assert field.child is not None
            shaped = self.object(field.child, value)
            if shaped is INVALID:
                return INVALID if non_null else None
            if shaped is None and non_null:  # an object of a type hidden from clients
                self.null_error(field)
                return INVALID
            return shaped
        if kind == ENUM and field.enum_values is not None and (type(value) is not str or value not in field.enum_values):
            return self.invalid_value(field, non_null, "a value of the enum", report=True)
        return value

    def null_error(self, field: ShapeField) -> None:
        path = tuple(self.path)
        # a subgraph or fetch error already explains this null: don't add a second one. An
        # error inside the same parent object counts: a subgraph that nulls an object for one
        # failed non-null field drops every field it was asked for there.
        parent = path[:-1]
        for known in self.known:
            if _covers(known, path) or (len(known) > len(parent) and _covers(known, parent)):
                return
        if not self.known and self.errors:
            return
        self.errors.append(
            {
                "message": f"Cannot return null for non-nullable field {field.parent_type}.{field.name}.",
                "path": list(path),
            }
        )

    def unresolved_type(self, shape: ShapeNode, typename: Any) -> None:
        """An object whose runtime type is unknown (the fetch meant to tell it failed) is null."""
        path = tuple(self.path)
        if not any(_covers(known, path) for known in self.known):
            self.errors.append(
                {
                    "message": f'Abstract type "{shape.type_name}" must resolve to an object type at runtime, got {typename!r}.',
                    "path": list(path),
                }
            )
        self.known.add(path)  # explains the null it causes above

    def invalid_value(self, field: ShapeField, non_null: bool, expected: str, report: bool = True) -> Any:
        if report:
            self.errors.append(
                {
                    "message": f"Invalid value for {field.parent_type}.{field.name}: expected {expected}.",
                    "path": list(self.path),
                }
            )
        return INVALID if non_null else None


# --- the fast path ---------------------------------------------------------------------------
# Most answers need no null propagation and hold no rejected value. This walk does just the
# copying, with no path bookkeeping, and gives up (``_Problem``) at the first thing that
# needs care; ``Shaper`` then redoes the answer with paths and error reporting.


class _Problem(Exception):
    pass


_PROBLEM = _Problem()


def _fast_object(shape: ShapeNode, data: dict[str, Any]) -> dict[str, Any]:
    if shape.abstract:
        typename = data.get("__typename")
        if (typename is not None and type(typename) is not str) or typename in shape.hidden:
            raise _PROBLEM
        fields = shape.by_type.get(typename)  # type: ignore[arg-type]
        if fields is None:
            if shape.default is None and typename not in shape.possible:
                raise _PROBLEM
            fields = shape.fields_for(typename)
    else:
        typename = shape.type_name
        fields = shape.single if shape.single is not None else shape.fields_for(typename)
    result: dict[str, Any] = {}
    get = data.get
    for field in fields:
        key = field.response_key
        mode = field.mode
        if mode == PLAIN_LEAF:
            result[key] = get(key)
        elif mode == REQUIRED_LEAF:
            value = get(key)
            if value is None:
                raise _PROBLEM
            result[key] = value
        elif mode == OBJECT:
            value = get(key)
            if value is None:
                if not field.nullable:
                    raise _PROBLEM
                result[key] = None
            elif type(value) is dict:
                result[key] = _fast_object(field.child, value)  # type: ignore[arg-type]
            else:
                raise _PROBLEM
        elif mode == OBJECT_LIST:
            value = get(key)
            if value is None:
                if not field.nullable:
                    raise _PROBLEM
                result[key] = None
            elif type(value) is list:
                child = field.child
                items: list[Any] = []
                for item in value:
                    if type(item) is dict:
                        items.append(_fast_object(child, item))  # type: ignore[arg-type]
                    elif item is None and field.items_nullable:
                        items.append(None)
                    else:
                        raise _PROBLEM
                result[key] = items
            else:
                raise _PROBLEM
        elif mode == LEAF_LIST:
            value = get(key)
            if value is None:
                if not field.nullable:
                    raise _PROBLEM
                result[key] = None
            elif type(value) is list and (field.items_nullable or None not in value):
                result[key] = value
            else:
                raise _PROBLEM
        elif mode == TYPENAME_FIELD:
            result[key] = typename if typename is not None else shape.type_name
        else:
            raise _PROBLEM  # enums, nested lists: the careful path
    return result


def _covers(known: tuple[Any, ...], path: tuple[Any, ...]) -> bool:
    """Whether an error at ``known`` explains a null at ``path`` (one is a prefix of the other)."""
    for expected, actual in zip(known, path):
        if expected != actual and not (expected == "@" and isinstance(actual, int)):
            return False
    return True
