"""Checks on the merged supergraph that only make sense once merged: it must be a
valid GraphQL schema, and removing @inaccessible elements must leave a valid API
schema (the inaccessible spec's rules, with Apollo's error codes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from router.composition.errors import CompositionError
from router.composition.model import (
    BUILTIN_SCALARS,
    Schema,
    TypeDef,
    base_name,
    value_to_py,
)
from router.composition.subgraph import validate_schema_shape

if TYPE_CHECKING:
    from router.composition.merge import Merger

_SPEC_PREFIXES = ("join__", "link__", "inaccessible__", "tag__", "requiresScopes__", "policy__", "context__", "cost__")


def validate_supergraph(merger: "Merger") -> list[CompositionError]:
    schema = merger.merged
    errors = [CompositionError("INVALID_GRAPHQL", message) for message in validate_schema_shape(schema)]
    if errors:
        return errors
    if merger.inaccessible_name is not None:
        errors.extend(_InaccessibleValidator(merger, schema, merger.inaccessible_name).run())
    return errors


class _InaccessibleValidator:
    def __init__(self, merger: "Merger", schema: Schema, name: str):
        self.merger = merger
        self.schema = schema
        self.name = name
        self.errors: list[CompositionError] = []

    def inaccessible(self, element: Any) -> bool:
        return any(d.name == self.name for d in element.directives)

    def err(self, code: str, message: str, element: str, elements: list[str]) -> None:
        subgraphs = self._subgraphs_for(elements)
        self.errors.append(CompositionError(code, message, subgraphs, element))

    def _subgraphs_for(self, coordinates: list[str]) -> list[str]:
        found: list[str] = []
        for sg in self.merger.subgraphs:
            for c in coordinates:
                type_name, _, rest = c.partition(".")
                if type_name in sg.schema.types and sg.name not in found:
                    found.append(sg.name)
        return found

    def in_api(self, type_name: str, field: Any | None = None, arg: Any | None = None) -> bool:
        t = self.schema.types.get(type_name)
        if t is None or self.inaccessible(t):
            return False
        if field is not None and self.inaccessible(field):
            return False
        if arg is not None and self.inaccessible(arg):
            return False
        return True

    def run(self) -> list[CompositionError]:
        default_refs = self._default_value_referencers()
        for t in self.schema.types.values():
            if t.name.startswith(_SPEC_PREFIXES):
                continue
            if t.name in BUILTIN_SCALARS:
                if self._has_inaccessible_inside(t):
                    self.err("DISALLOWED_INACCESSIBLE", f'Built-in type "{t.name}" cannot use @inaccessible.', t.name, [t.name])
                continue
            if self.inaccessible(t):
                self._check_inaccessible_type(t)
                continue
            self._check_children(t, default_refs)
        for d in self.schema.directive_defs.values():
            for a in d.args.values():
                if self.inaccessible(a):
                    type_system = [l for l in d.locations if l not in _EXECUTABLE]
                    if type_system:
                        self.err(
                            "DISALLOWED_INACCESSIBLE",
                            f'Directive "@{d.name}" cannot use @inaccessible because it may be applied to these type-system locations: {", ".join(type_system)}.',
                            "@" + d.name,
                            [],
                        )
                    elif a.is_required():
                        self.err(
                            "REQUIRED_INACCESSIBLE",
                            f'Argument "@{d.name}({a.name}:)" is @inaccessible but is a required argument of its directive.',
                            f"@{d.name}({a.name}:)",
                            [],
                        )
        return self.errors

    def _has_inaccessible_inside(self, t: TypeDef) -> bool:
        if self.inaccessible(t):
            return True
        return any(self.inaccessible(f) for f in list(t.fields.values()) + list(t.input_fields.values()))

    def _check_inaccessible_type(self, t: TypeDef) -> None:
        for other in self.schema.types.values():
            for f in other.fields.values():
                if base_name(f.type) == t.name and self.in_api(other.name, f):
                    self.err(
                        "REFERENCED_INACCESSIBLE",
                        f'Type "{t.name}" is @inaccessible but is referenced by "{other.name}.{f.name}", which is in the API schema.',
                        t.name,
                        [t.name, f"{other.name}.{f.name}"],
                    )
                for a in f.args.values():
                    if base_name(a.type) == t.name and self.in_api(other.name, f, a):
                        self.err(
                            "REFERENCED_INACCESSIBLE",
                            f'Type "{t.name}" is @inaccessible but is referenced by "{other.name}.{f.name}({a.name}:)", which is in the API schema.',
                            t.name,
                            [t.name],
                        )
            for f in other.input_fields.values():
                if base_name(f.type) == t.name and self.in_api(other.name, f):
                    self.err(
                        "REFERENCED_INACCESSIBLE",
                        f'Type "{t.name}" is @inaccessible but is referenced by "{other.name}.{f.name}", which is in the API schema.',
                        t.name,
                        [t.name],
                    )
        if self.schema.roots.get("query") == t.name:
            self.err(
                "QUERY_ROOT_TYPE_INACCESSIBLE",
                f'Type "{t.name}" is @inaccessible but is the root query type, which must be in the API schema.',
                t.name,
                [t.name],
            )

    def _check_children(self, t: TypeDef, default_refs: dict[str, list[tuple[str, Any, Any]]]) -> None:
        if t.kind in ("OBJECT", "INTERFACE", "INPUT_OBJECT"):
            children = list(t.fields.values()) if t.kind != "INPUT_OBJECT" else list(t.input_fields.values())
            if children and all(self.inaccessible(c) for c in children):
                self.err(
                    "ONLY_INACCESSIBLE_CHILDREN",
                    f'Type "{t.name}" is in the API schema but all of its {"input " if t.kind == "INPUT_OBJECT" else ""}fields are @inaccessible.',
                    t.name,
                    [t.name],
                )
        elif t.kind == "UNION":
            members = [self.schema.types.get(m) for m in t.members]
            if members and all(m is not None and self.inaccessible(m) for m in members):
                self.err(
                    "ONLY_INACCESSIBLE_CHILDREN",
                    f'Type "{t.name}" is in the API schema but all of its members are @inaccessible.',
                    t.name,
                    [t.name],
                )
        elif t.kind == "ENUM":
            if t.values and all(self.inaccessible(v) for v in t.values.values()):
                self.err(
                    "ONLY_INACCESSIBLE_CHILDREN",
                    f'Type "{t.name}" is in the API schema but all of its values are @inaccessible.',
                    t.name,
                    [t.name],
                )
        if t.kind in ("OBJECT", "INTERFACE"):
            implementing = [o for o in self.schema.types.values() if t.name in o.interfaces] if t.kind == "INTERFACE" else []
            for f in t.fields.values():
                if self.inaccessible(f):
                    for itf in t.interfaces:
                        itf_field = self.schema.field(itf, f.name)
                        if itf_field is not None and self.in_api(itf, itf_field):
                            self.err(
                                "IMPLEMENTED_BY_INACCESSIBLE",
                                f'Field "{t.name}.{f.name}" is @inaccessible but implements the interface field "{itf}.{f.name}", which is in the API schema.',
                                f"{t.name}.{f.name}",
                                [f"{t.name}.{f.name}"],
                            )
                    continue
                for a in f.args.values():
                    if not self.inaccessible(a):
                        continue
                    coordinate = f"{t.name}.{f.name}({a.name}:)"
                    if a.is_required():
                        self.err(
                            "REQUIRED_INACCESSIBLE",
                            f'Argument "{coordinate}" is @inaccessible but is a required argument of its field.',
                            coordinate,
                            [f"{t.name}.{f.name}"],
                        )
                    for impl in implementing:
                        impl_field = impl.fields.get(f.name)
                        impl_arg = impl_field.args.get(a.name) if impl_field is not None else None
                        if impl_arg is not None and self.in_api(impl.name, impl_field, impl_arg) and impl_arg.is_required():
                            self.err(
                                "REQUIRED_INACCESSIBLE",
                                f'Argument "{coordinate}" is @inaccessible but is implemented by the required argument "{impl.name}.{f.name}({a.name}:)", which is in the API schema.',
                                coordinate,
                                [f"{t.name}.{f.name}"],
                            )
                    for itf in t.interfaces:
                        itf_field = self.schema.field(itf, f.name)
                        itf_arg = itf_field.args.get(a.name) if itf_field is not None else None
                        if itf_arg is not None and self.in_api(itf, itf_field, itf_arg):
                            self.err(
                                "IMPLEMENTED_BY_INACCESSIBLE",
                                f'Argument "{coordinate}" is @inaccessible but implements the interface argument "{itf}.{f.name}({a.name}:)", which is in the API schema.',
                                coordinate,
                                [f"{t.name}.{f.name}"],
                            )
        elif t.kind == "INPUT_OBJECT":
            for f in t.input_fields.values():
                if not self.inaccessible(f):
                    continue
                if f.is_required():
                    self.err(
                        "REQUIRED_INACCESSIBLE",
                        f'Input field "{t.name}.{f.name}" is @inaccessible but is a required input field of its type.',
                        f"{t.name}.{f.name}",
                        [f"{t.name}.{f.name}"],
                    )
                for ref_coordinate, ref_type, ref_element in default_refs.get(f"{t.name}.{f.name}", []):
                    if self._ref_in_api(ref_type, ref_element):
                        self.err(
                            "DEFAULT_VALUE_USES_INACCESSIBLE",
                            f'Input field "{t.name}.{f.name}" is @inaccessible but is used in the default value of "{ref_coordinate}", which is in the API schema.',
                            f"{t.name}.{f.name}",
                            [t.name],
                        )
        elif t.kind == "ENUM":
            for v in t.values.values():
                if not self.inaccessible(v):
                    continue
                for ref_coordinate, ref_type, ref_element in default_refs.get(f"{t.name}.{v.name}", []):
                    if self._ref_in_api(ref_type, ref_element):
                        self.err(
                            "DEFAULT_VALUE_USES_INACCESSIBLE",
                            f'Enum value "{t.name}.{v.name}" is @inaccessible but is used in the default value of "{ref_coordinate}", which is in the API schema.',
                            f"{t.name}.{v.name}",
                            [t.name],
                        )

    def _ref_in_api(self, ref: tuple[str, Any, Any], element: Any) -> bool:
        type_name, f, a = ref
        return self.in_api(type_name, f, a)

    def _default_value_referencers(self) -> dict[str, list[tuple[str, Any, Any]]]:
        refs: dict[str, list[tuple[str, Any, Any]]] = {}

        def walk(type_ref: Any, value: Any, coordinate: str, ref: tuple[str, Any, Any]) -> None:
            t = self.schema.types.get(base_name(type_ref))
            if t is None or value is None:
                return
            if isinstance(value, list):
                for v in value:
                    walk(type_ref, v, coordinate, ref)
                return
            if t.kind == "ENUM" and isinstance(value, str):
                refs.setdefault(f"{t.name}.{value}", []).append((coordinate, ref, None))
            elif t.kind == "INPUT_OBJECT" and isinstance(value, dict):
                for k, v in value.items():
                    field = t.input_fields.get(k)
                    if field is None:
                        continue
                    refs.setdefault(f"{t.name}.{k}", []).append((coordinate, ref, None))
                    walk(field.type, v, coordinate, ref)

        for t in self.schema.types.values():
            for f in t.fields.values():
                for a in f.args.values():
                    if a.default is not None:
                        walk(a.type, value_to_py(a.default), f"{t.name}.{f.name}({a.name}:)", (t.name, f, a))
            for f in t.input_fields.values():
                if f.default is not None:
                    walk(f.type, value_to_py(f.default), f"{t.name}.{f.name}", (t.name, f, None))
        return refs


_EXECUTABLE = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
}

__all__ = ["validate_supergraph"]
