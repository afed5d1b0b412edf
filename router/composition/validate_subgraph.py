"""Federation rules a single (federation 2) subgraph must satisfy on its own:
valid @key/@requires/@provides selections, @external usage, @shareable usage,
interface keys, @interfaceObject, auth directives placement, @context/@fromContext.
"""

from __future__ import annotations

import re

from graphql.language import ast as gast

from router.composition.errors import CompositionError
from typing import Any

from router.composition.fieldset import (
    FieldSelection,
    FieldSetError,
    FragmentSelection,
    Selection,
    parse_field_set,
    resolve_field_set,
    selection_key,
)
from router.composition.model import (
    Directive,
    Field,
    ListRef,
    NamedRef,
    NonNullRef,
    TypeDef,
    TypeRef,
    base_name,
    print_directive,
)
from router.composition.subgraph import Subgraph

_CONTEXT_RE = re.compile(
    r"^(?:[\n\r\t ,]|#[^\n\r]*(?![^\n\r]))*\$(?:[\n\r\t ,]|#[^\n\r]*(?![^\n\r]))*([A-Za-z_]\w*(?!\w))([\s\S]*)$"
)


def parse_context(text: str) -> tuple[str | None, str | None]:
    m = _CONTEXT_RE.match(text)
    if not m:
        return None, None
    return m.group(1), m.group(2)


def validate_subgraph(sg: Subgraph) -> list[CompositionError]:
    return _SubgraphValidator(sg).run()


class _SubgraphValidator:
    def __init__(self, sg: Subgraph):
        self.sg = sg
        self.schema = sg.schema
        self.errors: list[CompositionError] = []

    def err(self, code: str, message: str, element: str | None = None) -> None:
        self.errors.append(CompositionError(code, f"[{self.sg.name}] {message}", [self.sg.name], element))

    def abort(self, code: str, message: str, element: str | None = None) -> None:
        # Apollo throws for these, which discards everything else found in the subgraph.
        self.errors = []
        self.err(code, message, element)
        raise _Abort()

    def run(self) -> list[CompositionError]:
        try:
            self._run()
        except _Abort:
            pass
        return self.errors

    def _run(self) -> None:
        self.validate_keys()
        self.validate_requires()
        self.validate_provides()
        self.validate_contexts()
        self.validate_no_external_on_interface_fields()
        self.validate_external_used()
        self.validate_interface_keys_on_implementations()
        self.validate_interface_objects_are_entities()
        self.validate_shareable_usage()
        self.validate_cost()
        self.validate_auth_not_on_interfaces()


    # ------------------------------------------------------------ field sets

    def _field_set_text(self, spec: str, d: Directive, target_desc: str) -> str | None:
        node = d.args.get("fields")
        if not isinstance(node, gast.StringValueNode):
            self.err(
                f"{spec.upper()}_INVALID_FIELDS_TYPE",
                f'On {target_desc}, for {print_directive(d)}: Invalid value for argument "fields": must be a string.',
                target_desc,
            )
            return None
        return node.value

    def _resolve(self, spec: str, d: Directive, parent: str, text: str, target_desc: str, key: bool = False):
        def check_key_field(type_name: str, f: Field) -> None:
            target = self.schema.types.get(base_name(f.type))
            if target is not None and target.kind in ("UNION", "INTERFACE"):
                kind = "Union" if target.kind == "UNION" else "Interface"
                raise _KeyTypeError(f'field "{type_name}.{f.name}" is a {kind} type which is not allowed in @key')

        try:
            resolved = resolve_field_set(self.schema, parent, text, on_field=check_key_field if key else None)
        except _KeyTypeError as exc:
            self.err("KEY_FIELDS_SELECT_INVALID_TYPE", f"On {target_desc}, for {print_directive(d)}: {exc}", target_desc)
            return None
        except FieldSetError as exc:
            msg = str(exc).strip()
            if msg.startswith("Cannot query field"):
                msg = msg.rstrip(".")
                if key:
                    msg += " (the field should either be added to this subgraph or, if it should not be resolved by this subgraph, you need to add it to this subgraph with @external)."
                else:
                    msg += " (if the field is defined in another subgraph, you need to add it to this subgraph with @external)."
            self.err(f"{spec.upper()}_INVALID_FIELDS", f"On {target_desc}, for {print_directive(d)}: {msg}", target_desc)
            return None
        return resolved

    def _check_selections(
        self,
        spec: str,
        d: Directive,
        selections: list[Selection],
        target_desc: str,
        *,
        has_external_in_parents: bool,
        allow_non_external_leaves: bool,
        allow_args: bool,
    ) -> None:
        for sel in selections:
            if sel.directives:
                self.err(
                    f"{spec.upper()}_DIRECTIVE_IN_FIELDS_ARG",
                    f"On {target_desc}, for {print_directive(d)}: cannot have directive applications in the @{spec}(fields:) argument but found "
                    + ", ".join("@" + n for n in sel.directives)
                    + ".",
                    target_desc,
                )
            if isinstance(sel, FieldSelection):
                if sel.name == "__typename":
                    continue
                f = self.schema.field(sel.parent, sel.name)
                if f is None:
                    continue
                external = self.sg.is_external(sel.parent, f)
                if not allow_args and f.args:
                    self.err(
                        f"{spec.upper()}_FIELDS_HAS_ARGS",
                        f"On {target_desc}, for {print_directive(d)}: field {sel.parent}.{sel.name} cannot be included because it has arguments (fields with argument are not allowed in @{spec})",
                        target_desc,
                    )
                must_be_external = not sel.selections and not allow_non_external_leaves and not has_external_in_parents
                if must_be_external and not external:
                    if self.sg.is_fake_external(sel.parent, sel.name):
                        detail = (
                            f'field "{sel.parent}.{sel.name}" should not be part of a @{spec} since it is already "effectively" provided by this subgraph '
                            "(while it is marked @external, it is a @key field of an extension type, which are not internally considered external for historical/backward compatibility reasons)"
                        )
                    else:
                        detail = f'field "{sel.parent}.{sel.name}" should not be part of a @{spec} since it is already provided by this subgraph (it is not marked @external)'
                    self.err(f"{spec.upper()}_FIELDS_MISSING_EXTERNAL", f"On {target_desc}, for {print_directive(d)}: {detail}", target_desc)
                if sel.selections:
                    new_has_external = has_external_in_parents or external
                    parent = self.schema.types.get(sel.parent)
                    if not new_has_external and parent is not None and parent.kind == "INTERFACE":
                        for impl in self.schema.possible_runtime_types(parent.name):
                            impl_field = self.schema.field(impl, sel.name)
                            if impl_field is not None and self.sg.is_external(impl, impl_field):
                                new_has_external = True
                                break
                    self._check_selections(
                        spec,
                        d,
                        sel.selections,
                        target_desc,
                        has_external_in_parents=new_has_external,
                        allow_non_external_leaves=allow_non_external_leaves,
                        allow_args=allow_args,
                    )
            else:
                self._check_selections(
                    spec,
                    d,
                    sel.selections,
                    target_desc,
                    has_external_in_parents=has_external_in_parents,
                    allow_non_external_leaves=allow_non_external_leaves,
                    allow_args=allow_args,
                )

    def validate_keys(self) -> None:
        for t in list(self.schema.types.values()):
            if t.kind not in ("OBJECT", "INTERFACE"):
                continue
            for d in self.sg.keys(t):
                desc = f'type "{t.name}"'
                if t.kind == "INTERFACE" and self.sg.fed_version < (2, 3):
                    self.err(
                        "KEY_UNSUPPORTED_ON_INTERFACE",
                        f'Cannot use @key on interface "{t.name}": @key is not yet supported on interfaces',
                        t.name,
                    )
                text = self._field_set_text("key", d, desc)
                if text is None:
                    continue
                resolved = self._resolve("key", d, t.name, text, desc, key=True)
                if resolved is None:
                    continue
                self._check_selections(
                    "key", d, resolved.selections, desc,
                    has_external_in_parents=False, allow_non_external_leaves=True, allow_args=False,
                )

    def validate_requires(self) -> None:
        for t in list(self.schema.types.values()):
            if t.kind not in ("OBJECT", "INTERFACE"):
                continue
            for f in t.fields.values():
                for d in self.sg.applied(f, "requires"):
                    desc = f'field "{t.name}.{f.name}"'
                    if t.kind == "INTERFACE":
                        self.err(
                            "REQUIRES_UNSUPPORTED_ON_INTERFACE",
                            f'Cannot use @requires on field "{t.name}.{f.name}" of parent type "{t.name}": @requires is not yet supported within interfaces',
                            f"{t.name}.{f.name}",
                        )
                    text = self._field_set_text("requires", d, desc)
                    if text is None:
                        continue
                    resolved = self._resolve("requires", d, t.name, text, desc)
                    if resolved is None:
                        continue
                    self._check_selections(
                        "requires", d, resolved.selections, desc,
                        has_external_in_parents=False, allow_non_external_leaves=False, allow_args=True,
                    )

    def validate_provides(self) -> None:
        for t in list(self.schema.types.values()):
            if t.kind not in ("OBJECT", "INTERFACE"):
                continue
            for f in t.fields.values():
                for d in self.sg.applied(f, "provides"):
                    desc = f'field "{t.name}.{f.name}"'
                    if t.kind == "INTERFACE":
                        self.err(
                            "PROVIDES_UNSUPPORTED_ON_INTERFACE",
                            f'Cannot use @provides on field "{t.name}.{f.name}" of parent type "{t.name}": @provides is not yet supported within interfaces',
                            f"{t.name}.{f.name}",
                        )
                    if self.sg.is_external(t.name, f):
                        self.abort(
                            "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE",
                            f'Cannot have both @provides and @external on field "{t.name}.{f.name}"',
                            f"{t.name}.{f.name}",
                        )
                    target = self.schema.types.get(base_name(f.type))
                    if target is None or not target.is_composite:
                        self.abort(
                            "PROVIDES_ON_NON_OBJECT_FIELD",
                            f'Invalid @provides directive on field "{t.name}.{f.name}": field has type "{f.type}" which is not a Composite Type',
                            f"{t.name}.{f.name}",
                        )
                    text = self._field_set_text("provides", d, desc)
                    if text is None:
                        continue
                    resolved = self._resolve("provides", d, target.name, text, desc)
                    if resolved is None:
                        continue
                    self._check_selections(
                        "provides", d, resolved.selections, desc,
                        has_external_in_parents=False, allow_non_external_leaves=False, allow_args=False,
                    )

    # ------------------------------------------------------------ @context / @fromContext

    def validate_contexts(self) -> None:
        if self.sg.fed_version < (2, 8):
            return
        context_name = self.sg.dname("context")
        from_context = self.sg.dname("fromContext")
        contexts: dict[str, list[TypeDef]] = {}
        for t in self.schema.types.values():
            for d in t.directives:
                if d.name != context_name:
                    continue
                name = str(d.arg_value("name") or "")
                if "_" in name:
                    self.err("CONTEXT_NAME_INVALID", f'Context name "{name}" may not contain an underscore.', t.name)
                elif not re.match(r"^[A-Za-z]\w*$", name):
                    self.err(
                        "CONTEXT_NAME_INVALID",
                        f'Context name "{name}" is invalid. It should have only alphanumeric characters.',
                        t.name,
                    )
                contexts.setdefault(name, []).append(t)
        for t in self.schema.types.values():
            for f in t.fields.values():
                for arg in f.args.values():
                    for d in arg.directives:
                        if d.name != from_context:
                            continue
                        coordinate = f"{t.name}.{f.name}({arg.name}:)"
                        if t.kind != "OBJECT":
                            self.err(
                                "CONTEXT_NOT_SET",
                                f'@fromContext argument cannot be used on a field that exists on an abstract type "{coordinate}".',
                                coordinate,
                            )
                            continue
                        for itf in t.interfaces:
                            if self.schema.field(itf, f.name) is not None:
                                self.err(
                                    "CONTEXT_NOT_SET",
                                    f'@fromContext argument cannot be used on a field implementing an interface field "{itf}.{f.name}".',
                                    coordinate,
                                )
                        if arg.default is not None:
                            self.err(
                                "CONTEXT_NOT_SET",
                                f'@fromContext arguments may not have a default value: "{coordinate}".',
                                coordinate,
                            )
                        value = str(d.arg_value("field") or "")
                        context, selection = parse_context(value)
                        if not context or not selection:
                            self.err(
                                "NO_CONTEXT_IN_SELECTION",
                                f'@fromContext argument does not reference a context "{value}".',
                                coordinate,
                            )
                            continue
                        if context not in contexts:
                            self.err(
                                "CONTEXT_NOT_SET",
                                f'Context "{context}" is used at location "{coordinate}" but is never set.',
                                coordinate,
                            )
                        else:
                            self._validate_context_selection(context, selection, coordinate, arg, contexts[context])
                        keys = self.sg.keys(t)
                        if not any(k.arg_value("resolvable", True) is not False for k in keys):
                            self.err(
                                "CONTEXT_NO_RESOLVABLE_KEY",
                                f'Object "{t.name}" has no resolvable key but has a field with a contextual argument.',
                                t.name,
                            )

    def _validate_context_selection(
        self, context: str, selection: str, coordinate: str, arg: Any, locations: list[TypeDef]
    ) -> None:
        def invalid(detail: str) -> None:
            self.err(
                "CONTEXT_INVALID_SELECTION",
                f'Context "{context}" is used in "{coordinate}" but the selection is invalid: {detail}',
                coordinate,
            )

        try:
            nodes = parse_field_set(selection)
        except FieldSetError as exc:
            invalid(str(exc))
            return
        if not nodes:
            invalid("no selection is made")
            return
        first = nodes[0]
        if isinstance(first, gast.FieldNode):
            if len(nodes) != 1:
                invalid("multiple selections are made")
                return
            kind = "field"
        elif isinstance(first, gast.InlineFragmentNode):
            if not all(isinstance(n, gast.InlineFragmentNode) for n in nodes):
                invalid("multiple fields could be selected")
                return
            conditions = [n.type_condition.name.value for n in nodes if n.type_condition]  # type: ignore[union-attr]
            if len(set(conditions)) != len(nodes):
                invalid("type conditions have same name")
                return
            kind = "fragment"
        else:
            invalid("fragment spread is not allowed")
            return
        used_conditions: set[str] = set()
        for location in locations:
            try:
                resolved = resolve_field_set(self.schema, location.name, selection, allow_aliases=True)
            except FieldSetError as exc:
                self.err(
                    "CONTEXT_INVALID_SELECTION",
                    f'Context "{context}" is used in "{coordinate}" but the selection is invalid for type {location.name}. Error: {exc}',
                    coordinate,
                )
                return
            if _has_directives(resolved.selections):
                invalid("directives are not allowed in the selection")
            if _has_alias(resolved.selections):
                invalid("aliases are not allowed in the selection")
            if kind == "field":
                resolved_type = self._context_value_type(location, resolved.selections, coordinate)
                if resolved_type is None or not _valid_implementation_type(resolved_type, arg.type):
                    invalid(f'the type of the selection "{resolved_type}" does not match the expected type "{arg.type}"')
                    return
            else:
                matching = []
                for sel in resolved.selections:
                    if not isinstance(sel, FragmentSelection):
                        invalid("selection should only contain a single field or at least one inline fragment}\"")
                        continue
                    if sel.type_condition is None:
                        invalid('inline fragments must have type conditions"')
                        continue
                    ct = self.schema.types.get(sel.type_condition)
                    if ct is not None and ct.kind == "OBJECT":
                        if sel.type_condition in self.schema.possible_runtime_types(location.name):
                            matching.append(sel)
                            used_conditions.add(sel.type_condition)
                    else:
                        invalid('type conditions must be an object type"')
                if not matching:
                    invalid(f'no type condition matches the location "{location.name}"')
                    return
                for sel in matching:
                    resolved_type = self._context_value_type(self.schema.types[sel.type_condition], sel.selections, coordinate)
                    if resolved_type is None:
                        invalid(f'the type of the selection does not match the expected type "{arg.type}"')
                        return
                    if isinstance(resolved_type, NonNullRef):
                        resolved_type = resolved_type.of
                    if not _valid_implementation_type(resolved_type, arg.type):
                        invalid(f'the type of the selection "{resolved_type}" does not match the expected type "{arg.type}"')
                        return
        if kind == "fragment":
            for condition in conditions:
                if condition not in used_conditions:
                    invalid(f'type condition "{condition}" is never used.')

    def _context_value_type(self, current: TypeDef, selections: list[Selection], coordinate: str) -> TypeRef | None:
        if self.sg.is_interface_object(current):
            self.err(
                "CONTEXT_INVALID_SELECTION",
                f'Context "is used in "{coordinate}" but the selection is invalid: One of the types in the selection is an interfaceObject: "{current.name}"',
                coordinate,
            )
        results: list[TypeRef | None] = []
        for sel in selections:
            if not isinstance(sel, FieldSelection):
                results.append(None)
                continue
            f = self.schema.field(sel.parent, sel.name)
            if f is None:
                results.append(None)
                continue
            if sel.selections:
                inner = self._context_value_type(self.schema.types[base_name(f.type)], sel.selections, coordinate)
                results.append(None if inner is None else _wrap_lists(f.type, inner))
            else:
                results.append(_wrap_lists(f.type, NamedRef(base_name(f.type))))
        if not results:
            return None
        first = results[0]
        return first if all(str(r) == str(first) for r in results) else None

    # ------------------------------------------------------------ @external

    def validate_no_external_on_interface_fields(self) -> None:
        for t in self.schema.types.values():
            if t.kind != "INTERFACE":
                continue
            for f in t.fields.values():
                if self.sg.is_external(t.name, f):
                    self.err(
                        "EXTERNAL_ON_INTERFACE",
                        f'Interface type field "{t.name}.{f.name}" is marked @external but @external is not allowed on interface fields (it is nonsensical).',
                        f"{t.name}.{f.name}",
                    )

    def validate_external_used(self) -> None:
        for t in self.schema.types.values():
            if t.kind not in ("OBJECT", "INTERFACE"):
                continue
            for f in t.fields.values():
                if self.sg.is_external(t.name, f) and not self.sg.is_field_used(t.name, f.name):
                    self.err(
                        "EXTERNAL_UNUSED",
                        f'Field "{t.name}.{f.name}" is marked @external but is not used in any federation directive (@key, @provides, @requires) or to satisfy an interface; the field declaration has no use and should be removed (or the field should not be @external).',
                        f"{t.name}.{f.name}",
                    )

    # ------------------------------------------------------------ interfaces

    def validate_interface_keys_on_implementations(self) -> None:
        for itf in self.schema.types.values():
            if itf.kind != "INTERFACE":
                continue
            impls = self.schema.possible_runtime_types(itf.name)
            for key in self.sg.keys(itf):
                text = key.arg_value("fields")
                if not isinstance(text, str):
                    continue
                itf_key = selection_key(resolve_field_set(self.schema, itf.name, text, validate=False).selections)
                resolvable = key.arg_value("resolvable", True) is not False
                missing: list[str] = []
                not_resolvable: list[str] = []
                for impl in impls:
                    match = None
                    for k in self.sg.keys(self.schema.types[impl]):
                        kt = k.arg_value("fields")
                        if isinstance(kt, str) and selection_key(
                            resolve_field_set(self.schema, impl, kt, validate=False).selections
                        ) == itf_key:
                            match = k
                            break
                    if match is None:
                        missing.append(impl)
                    elif resolvable and match.arg_value("resolvable", True) is False:
                        not_resolvable.append(impl)
                if missing:
                    names = ", ".join(f'"{m}"' for m in missing)
                    self.err(
                        "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                        f'Key {print_directive(key)} on interface type "{itf.name}" is missing on implementation type{"s" if len(missing) > 1 else ""} {names}.',
                        itf.name,
                    )
                elif not_resolvable:
                    names = ", ".join(f'"{m}"' for m in not_resolvable)
                    self.err(
                        "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                        f'Key {print_directive(key)} on interface type "{itf.name}" should be resolvable on all implementation types, but is declared with argument "@key(resolvable:)" set to false in type{"s" if len(not_resolvable) > 1 else ""} {names}.',
                        itf.name,
                    )

    def validate_interface_objects_are_entities(self) -> None:
        for t in self.schema.types.values():
            if self.sg.is_interface_object(t) and not self.sg.keys(t):
                self.err(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'The @interfaceObject directive can only be applied to entity types but type "{t.name}" has no @key in this subgraph.',
                    t.name,
                )

    # ------------------------------------------------------------ @shareable

    def validate_shareable_usage(self) -> None:
        shareable = self.sg.dname("shareable")
        for t in self.schema.types.values():
            if t.kind == "OBJECT":
                apps = [d for d in t.directives if d.name == shareable]
                blocks = [d.extension for d in apps]
                if len(blocks) != len(set(blocks)):
                    self.err(
                        "INVALID_SHAREABLE_USAGE",
                        f'Invalid duplicate application of @shareable on the same type declaration of "{t.name}": @shareable is only repeatable on types so it can be used simultaneously on a type definition and its extensions, but it should not be duplicated on the same definition/extension declaration',
                        t.name,
                    )
                for f in t.fields.values():
                    if len([d for d in f.directives if d.name == shareable]) > 1:
                        self.err(
                            "INVALID_SHAREABLE_USAGE",
                            f'Invalid duplicate application of @shareable on field "{t.name}.{f.name}": @shareable is only repeatable on types so it can be used simultaneously on a type definition and its extensions, but it should not be duplicated on the same definition/extension declaration',
                            f"{t.name}.{f.name}",
                        )
            elif t.kind == "INTERFACE":
                for f in t.fields.values():
                    if any(d.name == shareable for d in f.directives):
                        self.err(
                            "INVALID_SHAREABLE_USAGE",
                            f'Invalid use of @shareable on field "{t.name}.{f.name}": only object type fields can be marked with @shareable',
                            f"{t.name}.{f.name}",
                        )

    # ------------------------------------------------------------ cost

    def validate_cost(self) -> None:
        if self.sg.fed_version < (2, 9):
            return
        cost = self.sg.dname("cost")
        list_size = self.sg.dname("listSize")
        for t in self.schema.types.values():
            for f in t.fields.values():
                if t.kind == "INTERFACE" and any(d.name == cost for d in f.directives):
                    self.err(
                        "COST_APPLIED_TO_INTERFACE_FIELD",
                        f'@cost cannot be applied to interface "{t.name}.{f.name}"',
                        f"{t.name}.{f.name}",
                    )
                for d in f.directives:
                    if d.name == list_size:
                        self._validate_list_size(t, f, d)

    def _validate_list_size(self, t: TypeDef, f: Field, d: Directive) -> None:
        coordinate = f"{t.name}.{f.name}"
        from router.composition.model import ListRef, NonNullRef

        ref = f.type.of if isinstance(f.type, NonNullRef) else f.type
        sized = d.arg_value("sizedFields")
        if not isinstance(ref, ListRef) and not sized:
            self.err("LIST_SIZE_APPLIED_TO_NON_LIST", f'"{coordinate}" is not a list', coordinate)
        assumed = d.arg_value("assumedSize")
        if isinstance(assumed, int) and assumed < 0:
            self.err("LIST_SIZE_INVALID_ASSUMED_SIZE", f'Assumed size of "{coordinate}" cannot be negative', coordinate)
        for arg_name in d.arg_value("slicingArguments") or []:
            arg = f.args.get(arg_name)
            if arg is None:
                self.err(
                    "LIST_SIZE_INVALID_SLICING_ARGUMENT",
                    f'Slicing argument "{arg_name}" is not an argument of "{coordinate}"',
                    coordinate,
                )
            elif str(arg.type) not in ("Int", "Int!"):
                self.err(
                    "LIST_SIZE_INVALID_SLICING_ARGUMENT",
                    f'Slicing argument "{coordinate}({arg_name}:)" must be Int or Int!',
                    coordinate,
                )
        if sized:
            target = self.schema.types.get(base_name(f.type))
            for name in sized:
                sf = target.fields.get(name) if target is not None else None
                if sf is None:
                    self.err(
                        "LIST_SIZE_INVALID_SIZED_FIELD",
                        f'Sized field "{name}" is not a field on type "{base_name(f.type)}"',
                        coordinate,
                    )
                else:
                    sref = sf.type.of if isinstance(sf.type, NonNullRef) else sf.type
                    if not isinstance(sref, ListRef):
                        self.err(
                            "LIST_SIZE_APPLIED_TO_NON_LIST",
                            f'Sized field "{base_name(f.type)}.{name}" is not a list',
                            coordinate,
                        )

    # ------------------------------------------------------------ auth

    def validate_auth_not_on_interfaces(self) -> None:
        if self.sg.fed_version < (2, 5) and self.sg.fed2:
            return
        names = {self.sg.dname(n): n for n in ("authenticated", "requiresScopes", "policy")}
        for t in self.schema.types.values():
            is_itf_like = t.kind == "INTERFACE" or self.sg.is_interface_object(t)
            if is_itf_like:
                for d in t.directives:
                    if d.name in names:
                        kind = "interface" if t.kind == "INTERFACE" else "interface object"
                        self.err(
                            "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
                            f'Invalid use of @{d.name} on {kind} "{t.name}": @{d.name} cannot be applied on interfaces, interface fields and interface objects',
                            t.name,
                        )
            if t.kind == "INTERFACE":
                for f in t.fields.values():
                    for d in f.directives:
                        if d.name in names:
                            self.err(
                                "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
                                f'Invalid use of @{d.name} on field "{t.name}.{f.name}": @{d.name} cannot be applied on interfaces, interface fields and interface objects',
                                f"{t.name}.{f.name}",
                            )


def _has_directives(selections: list[Selection]) -> bool:
    for sel in selections:
        if sel.directives:
            return True
        if sel.selections and _has_directives(sel.selections):
            return True
    return False


def _has_alias(selections: list[Selection]) -> bool:
    for sel in selections:
        if isinstance(sel, FieldSelection) and sel.alias is not None:
            return True
        if sel.selections and _has_alias(sel.selections):
            return True
    return False


def _wrap_lists(original: TypeRef, resolved: TypeRef) -> TypeRef:
    """Re-apply the list wrappers of ``original`` (not its non-null ones) around ``resolved``."""
    lists = 0
    ref = original
    while not isinstance(ref, NamedRef):
        if isinstance(ref, ListRef):
            lists += 1
        ref = ref.of
    for _ in range(lists):
        resolved = ListRef(resolved)
    return resolved


def _valid_implementation_type(field_type: TypeRef, implemented: TypeRef) -> bool:
    if isinstance(field_type, NonNullRef):
        if isinstance(implemented, NonNullRef):
            return _valid_implementation_type(field_type.of, implemented.of)
        return _valid_implementation_type(field_type.of, implemented)
    if isinstance(field_type, ListRef) and isinstance(implemented, ListRef):
        return _valid_implementation_type(field_type.of, implemented.of)
    return isinstance(field_type, NamedRef) and isinstance(implemented, NamedRef) and field_type.name == implemented.name


class _Abort(Exception):
    pass


class _KeyTypeError(FieldSetError):
    pass


__all__ = ["validate_subgraph", "parse_context"]
