"""Federation 1 subgraphs rewritten as the equivalent federation 2 subgraphs, the
way Apollo's schema upgrader does: type extensions become definitions, inactive
@external/@provides/@requires are dropped, and @shareable is added where fed1
implicitly shared fields and value types.
"""

from __future__ import annotations

import copy

from graphql.language import ast as gast

from router.composition import specs
from router.composition.errors import CompositionError, print_subgraph_names
from router.composition.fieldset import (
    FieldSelection,
    FieldSetError,
    FragmentSelection,
    Selection,
    collect_target_fields,
    print_selections,
    resolve_field_set,
)
from router.composition.model import Directive, Schema, TypeDef, base_name
from router.composition.subgraph import Subgraph


def upgrade_subgraphs(subgraphs: list[Subgraph]) -> tuple[list[Subgraph], list[CompositionError]]:
    if all(sg.fed2 for sg in subgraphs):
        return subgraphs, []
    errors: list[CompositionError] = []
    result: list[Subgraph] = []
    interface_objects: dict[str, list[str]] = {}  # type -> fed2 subgraphs using @interfaceObject on it
    fed1_interface_keys: dict[str, list[str]] = {}  # type -> fed1 subgraphs with a @key on that interface
    for sg in subgraphs:
        if sg.fed2:
            result.append(sg)
            for t in sg.schema.types.values():
                if sg.is_interface_object(t):
                    interface_objects.setdefault(t.name, []).append(sg.name)
            continue
        upgrader = _Upgrader(sg, subgraphs)
        upgraded, errs = upgrader.upgrade()
        errors.extend(errs)
        if upgraded is not None:
            result.append(upgraded)
            for name in upgrader.interface_key_types:
                fed1_interface_keys.setdefault(name, []).append(sg.name)
    for type_name, users in interface_objects.items():
        fed1 = fed1_interface_keys.get(type_name)
        if fed1:
            errors.append(
                CompositionError(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'The @interfaceObject directive is used on type "{type_name}" in {print_subgraph_names(users)}, which requires other subgraphs to resolve its type name via an interface @key. '
                    f"However, @key on an interface in a federation 1 subgraph does not mean it can fulfill the __typename-resolution requirement that @interfaceObject depends on. "
                    f"For {print_subgraph_names(fed1)}, either upgrade them to federation 2 subgraphs or remove @key from the type.",
                    users + fed1,
                    type_name,
                )
            )
    return result, errors


def is_federation_type_extension(sg: Subgraph, t: TypeDef) -> bool:
    has_extends = sg.has(t, "extends")
    return (t.has_extension or has_extends) and t.kind in ("OBJECT", "INTERFACE") and (has_extends or not t.has_definition)


def is_root_type_extension(sg: Subgraph, t: TypeDef) -> bool:
    return (
        t.kind == "OBJECT"
        and sg.schema.is_root(t.name)
        and (sg.has(t, "extends") or (t.has_extension and not t.has_definition))
    )


class _Upgrader:
    def __init__(self, original: Subgraph, all_subgraphs: list[Subgraph]):
        self.original = original
        self.others = [s for s in all_subgraphs if s.name != original.name]
        self.sg = Subgraph(
            name=original.name,
            url=original.url,
            schema=copy.deepcopy(original.schema),
            fed2=False,
            fed_version=specs.FED1_UPGRADE_VERSION,
            links=original.links,
            machinery_directives=set(original.machinery_directives),
        )
        self.schema: Schema = self.sg.schema
        self.errors: list[CompositionError] = []
        self.interface_key_types: list[str] = []

    def err(self, code: str, message: str, element: str | None = None) -> None:
        self.errors.append(CompositionError(code, f"[{self.sg.name}] {message}", [self.sg.name], element))

    def upgrade(self) -> tuple[Subgraph | None, list[CompositionError]]:
        if self.original.upgrade_errors:
            return None, list(self.original.upgrade_errors)
        for t in self.schema.types.values():
            self.check_extension_with_no_base(t)
        self.fix_field_set_arguments()
        self.sg.invalidate()
        self.remove_external_on_interfaces()
        self.remove_external_on_object_types()
        self.remove_external_on_type_extensions()
        self.sg.invalidate()
        self.fix_inactive_provides_and_requires()
        self.remove_type_extensions()
        self.remove_directives_on_interfaces()
        self.remove_provides_on_non_composite()
        self.sg.invalidate()
        self.remove_unused_externals()
        self.add_shareable()
        self.remove_tag_on_external()
        if self.errors:
            return None, self.errors
        # From here on it is a federation 2 subgraph importing the v2.4 directives by name.
        self.sg.fed2 = True
        self.sg.upgraded_from_fed1 = True
        self.sg.invalidate()
        from router.composition.validate_subgraph import validate_subgraph

        errors = validate_subgraph(self.sg)
        if errors:
            return None, errors
        return self.sg, []

    # ------------------------------------------------------------ steps

    def check_extension_with_no_base(self, t: TypeDef) -> None:
        if is_root_type_extension(self.sg, t) or not is_federation_type_extension(self.sg, t):
            return
        for other in self.others:
            ot = other.schema.types.get(t.name)
            if ot is not None and ot.kind in ("OBJECT", "INTERFACE") and ot.has_definition:
                return
        self.err(
            "EXTENSION_WITH_NO_BASE",
            f'Type "{t.name}" is an extension type, but there is no type definition for "{t.name}" in any subgraph.',
            t.name,
        )

    def _field_set_directives(self):
        names = {self.sg.dname(n) for n in ("key", "requires", "provides")}
        for t in self.schema.types.values():
            for d in t.directives:
                if d.name in names:
                    yield d
            for f in t.fields.values():
                for d in f.directives:
                    if d.name in names:
                        yield d

    def fix_field_set_arguments(self) -> None:
        for d in self._field_set_directives():
            node = d.args.get("fields")
            if isinstance(node, gast.EnumValueNode):
                d.args["fields"] = gast.StringValueNode(value=node.value)
            elif isinstance(node, gast.ListValueNode) and all(isinstance(v, gast.StringValueNode) for v in node.values):
                d.args["fields"] = gast.StringValueNode(value=" ".join(v.value for v in node.values))  # type: ignore[union-attr]

    def _remove(self, element, spec_name: str) -> bool:
        name = self.sg.dname(spec_name)
        before = len(element.directives)
        element.directives = [d for d in element.directives if d.name != name]
        return len(element.directives) != before

    def remove_external_on_interfaces(self) -> None:
        for t in self.schema.types.values():
            if t.kind == "INTERFACE":
                for f in t.fields.values():
                    self._remove(f, "external")

    def remove_external_on_object_types(self) -> None:
        for t in self.schema.types.values():
            if t.kind == "OBJECT":
                self._remove(t, "external")

    def remove_external_on_type_extensions(self) -> None:
        for t in self.schema.types.values():
            if not t.is_composite:
                continue
            if not is_federation_type_extension(self.sg, t) and not is_root_type_extension(self.sg, t):
                continue
            keys = self.sg.keys(t)
            if keys:
                for key in keys:
                    text = key.arg_value("fields")
                    if not isinstance(text, str):
                        continue
                    for type_name, field_name in collect_target_fields(self.schema, t.name, text, False):
                        if type_name == t.name:
                            self._remove(t.fields[field_name], "external")
            else:
                for other in self.others:
                    ot = other.schema.types.get(t.name)
                    if ot is None or not ot.is_composite:
                        continue
                    other_keys = other.keys(ot)
                    if not other_keys:
                        continue
                    text = other_keys[0].arg_value("fields")
                    if not isinstance(text, str):
                        continue
                    for type_name, field_name in collect_target_fields(other.schema, ot.name, text, False):
                        if type_name == ot.name and field_name in t.fields:
                            self._remove(t.fields[field_name], "external")

    def fix_inactive_provides_and_requires(self) -> None:
        for t in self.schema.types.values():
            if t.kind not in ("OBJECT", "INTERFACE"):
                continue
            for f in t.fields.values():
                target = base_name(f.type)
                self._fix_inactive(f, "provides", target)
                self._fix_inactive(f, "requires", t.name)

    def _fix_inactive(self, f, spec_name: str, parent: str) -> None:
        name = self.sg.dname(spec_name)
        new_directives: list[Directive] = []
        for d in f.directives:
            if d.name != name:
                new_directives.append(d)
                continue
            text = d.arg_value("fields")
            try:
                if not isinstance(text, str):
                    raise FieldSetError("not a string")
                resolved = resolve_field_set(self.schema, parent, text)
            except FieldSetError:
                new_directives.append(d)
                continue
            if self._selects_non_external_leaf(resolved.selections):
                updated = self._without_non_external_leaves(resolved.selections)
                if updated:
                    new_directives.append(
                        Directive(d.name, {"fields": gast.StringValueNode(value=print_selections(updated))}, d.extension)
                    )
            else:
                new_directives.append(d)
        f.directives = new_directives

    def _external_or_has_external_impl(self, type_name: str, field_name: str) -> bool:
        f = self.schema.field(type_name, field_name)
        external = self.sg.dname("external")
        if f is not None and any(d.name == external for d in f.directives):
            return True
        t = self.schema.types.get(type_name)
        if t is not None and t.kind == "INTERFACE":
            for impl in self.schema.possible_runtime_types(type_name):
                impl_field = self.schema.field(impl, field_name)
                if impl_field is not None and any(d.name == external for d in impl_field.directives):
                    return True
        return False

    def _selects_non_external_leaf(self, selections: list[Selection]) -> bool:
        for s in selections:
            if isinstance(s, FieldSelection):
                if self._external_or_has_external_impl(s.parent, s.name):
                    continue
                if not s.selections or self._selects_non_external_leaf(s.selections):
                    return True
            elif self._selects_non_external_leaf(s.selections):
                return True
        return False

    def _without_non_external_leaves(self, selections: list[Selection]) -> list[Selection]:
        result: list[Selection] = []
        for s in selections:
            if isinstance(s, FieldSelection) and self._external_or_has_external_impl(s.parent, s.name):
                result.append(s)
                continue
            if s.selections:
                updated = self._without_non_external_leaves(s.selections)
                if updated:
                    if isinstance(s, FieldSelection):
                        result.append(FieldSelection(s.parent, s.name, s.alias, s.args, s.directives, updated))
                    else:
                        result.append(FragmentSelection(s.type_condition, s.directives, updated))
        return result

    def remove_type_extensions(self) -> None:
        for t in self.schema.types.values():
            if not is_federation_type_extension(self.sg, t) and not is_root_type_extension(self.sg, t):
                continue
            t.has_extension = False
            t.has_definition = True
            for d in t.directives:
                d.extension = False
            for f in t.fields.values():
                f.extension = False

    def remove_directives_on_interfaces(self) -> None:
        for t in self.schema.types.values():
            if t.kind != "INTERFACE":
                continue
            if self._remove(t, "key"):
                self.interface_key_types.append(t.name)
            for f in t.fields.values():
                self._remove(f, "provides")
                self._remove(f, "requires")

    def remove_provides_on_non_composite(self) -> None:
        for t in self.schema.types.values():
            if t.kind != "OBJECT":
                continue
            for f in t.fields.values():
                target = self.schema.types.get(base_name(f.type))
                if target is None or not target.is_composite:
                    self._remove(f, "provides")

    def remove_unused_externals(self) -> None:
        for t in list(self.schema.types.values()):
            if t.kind not in ("OBJECT", "INTERFACE"):
                continue
            removed = False
            for fname in list(t.fields):
                f = t.fields[fname]
                if self.sg.is_external(t.name, f) and not self.sg.is_field_used(t.name, fname):
                    del t.fields[fname]
                    removed = True
            if removed and not t.fields and self.schema.roots.get("query") != t.name:
                if _is_referenced(self.schema, t.name):
                    self.err(
                        "TYPE_WITH_ONLY_UNUSED_EXTERNAL",
                        f"Type {t.name} contains only external fields and all those fields are all unused (they do not appear in any @key, @provides or @requires).",
                        t.name,
                    )
                else:
                    del self.schema.types[t.name]
            self.sg.invalidate()

    def add_shareable(self) -> None:
        shareable = self.sg.dname("shareable")
        for t in self.schema.types.values():
            if t.kind != "OBJECT" or self.schema.roots.get("subscription") == t.name:
                continue
            if self.sg.keys(t) or self.schema.is_root(t.name):
                for f in t.fields.values():
                    if self.original.is_shareable(t.name, f.name):
                        continue
                    resolved_elsewhere = []
                    for other in self.others:
                        ot = other.schema.types.get(t.name)
                        if ot is None or ot.kind not in ("OBJECT", "INTERFACE"):
                            continue
                        of = ot.fields.get(f.name)
                        if of is not None and (
                            not other.is_external(t.name, of) or other.is_partially_external(t.name, of)
                        ):
                            resolved_elsewhere.append(other.name)
                    if resolved_elsewhere and not any(d.name == shareable for d in f.directives):
                        f.directives.append(Directive(shareable))
            else:
                in_others = [
                    o.name
                    for o in self.others
                    if (ot := o.schema.types.get(t.name)) is not None and ot.kind in ("OBJECT", "INTERFACE")
                ]
                if in_others and not any(d.name == shareable for d in t.directives):
                    t.directives.append(Directive(shareable))

    def remove_tag_on_external(self) -> None:
        tag = self.sg.dname("tag")
        external = self.sg.dname("external")
        for t in self.schema.types.values():
            for f in t.fields.values():
                if not any(d.name == external for d in f.directives):
                    continue
                kept = []
                for d in f.directives:
                    if d.name == tag and self._tag_used_elsewhere(t.name, f.name, d):
                        continue
                    kept.append(d)
                f.directives = kept

    def _tag_used_elsewhere(self, type_name: str, field_name: str, tag: Directive) -> bool:
        from router.composition.model import value_key

        for other in self.others:
            of = other.schema.field(type_name, field_name)
            if of is None or any(d.name == "external" for d in of.directives):
                continue
            for d in of.directives:
                if d.name == "tag" and value_key({k: _py(v) for k, v in d.args.items()}) == value_key(
                    {k: _py(v) for k, v in tag.args.items()}
                ):
                    return True
        return False


def _py(node):
    from router.composition.model import value_to_py

    return value_to_py(node)


def _is_referenced(schema: Schema, name: str) -> bool:
    if schema.is_root(name):
        return True
    for t in schema.types.values():
        if name in t.interfaces or name in t.members:
            return True
        for f in t.fields.values():
            if base_name(f.type) == name:
                return True
            if any(base_name(a.type) == name for a in f.args.values()):
                return True
        for f in t.input_fields.values():
            if base_name(f.type) == name:
                return True
    return False


__all__ = ["upgrade_subgraphs", "is_federation_type_extension"]
