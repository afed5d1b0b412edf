"""Subtyping between type references, as composition uses it (covariant outputs,
contravariant inputs; no "list upgrade")."""

from __future__ import annotations

from collections.abc import Callable

from router.composition.model import ListRef, NamedRef, NonNullRef, Schema, TypeRef

# (abstract type name, candidate subtype name) -> is a direct subtype
DirectSubtypeTest = Callable[[str, str], bool]


def schema_direct_subtype(schema: Schema) -> DirectSubtypeTest:
    def test(abstract: str, candidate: str) -> bool:
        a = schema.types.get(abstract)
        c = schema.types.get(candidate)
        if a is None or c is None:
            return False
        if a.kind == "UNION":
            return c.kind == "OBJECT" and candidate in a.members
        if a.kind == "INTERFACE":
            return c.kind in ("OBJECT", "INTERFACE") and abstract in c.interfaces
        return False

    return test


def is_strict_subtype(direct: DirectSubtypeTest, kinds: Callable[[str], str | None], t: TypeRef, sub: TypeRef) -> bool:
    if isinstance(sub, ListRef):
        return isinstance(t, ListRef) and is_subtype(direct, kinds, t.of, sub.of)
    if isinstance(sub, NonNullRef):
        if isinstance(t, NonNullRef):
            return is_subtype(direct, kinds, t.of, sub.of)
        return is_subtype(direct, kinds, t, sub.of)
    assert isinstance(sub, NamedRef)
    if not isinstance(t, NamedRef):
        return False
    if kinds(sub.name) in ("OBJECT", "INTERFACE") and kinds(t.name) in ("INTERFACE", "UNION"):
        return direct(t.name, sub.name)
    return False


def is_subtype(direct: DirectSubtypeTest, kinds: Callable[[str], str | None], t: TypeRef, sub: TypeRef) -> bool:
    return t == sub or is_strict_subtype(direct, kinds, t, sub)


def is_subtype_of(schema: Schema, t: TypeRef, sub: TypeRef) -> bool:
    def kinds(name: str) -> str | None:
        x = schema.types.get(name)
        return x.kind if x else None

    return is_subtype(schema_direct_subtype(schema), kinds, t, sub)
