"""@requires must not leak data the @requires field's own auth would not allow:
the field needs at least the auth requirements of everything it requires."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from router.composition.errors import CompositionError
from router.composition.fieldset import FieldSelection, FieldSetError, Selection, resolve_field_set
from router.composition.model import base_name

if TYPE_CHECKING:
    from router.composition.merge import Merger


class _Requirements:
    def __init__(self) -> None:
        self.authenticated = False
        self.scopes: list[list[str]] | None = None
        self.policies: list[list[str]] | None = None

    def empty(self) -> bool:
        return not self.authenticated and self.scopes is None and self.policies is None


def _requirements(merger: "Merger", element: Any) -> _Requirements | None:
    req = _Requirements()
    names = dict((spec, name) for spec, name in merger.access_control)
    for d in element.directives:
        if d.name == names.get("authenticated"):
            req.authenticated = True
        elif d.name == names.get("requiresScopes"):
            req.scopes = d.arg_value("scopes")
        elif d.name == names.get("policy"):
            req.policies = d.arg_value("policies")
    return None if req.empty() else req


def _implies(first: list[list[str]] | None, second: list[list[str]] | None) -> bool:
    a = first if first else [[]]
    b = second if second else [[]]
    return all(any(set(inner_b) <= set(inner_a) for inner_b in b) for inner_a in a)


def _combine(a: list[list[str]] | None, b: list[list[str]] | None) -> list[list[str]] | None:
    from router.composition.merge import _dnf_conjunction

    values = [v for v in (a, b) if v is not None]
    return _dnf_conjunction(values) if values else None


def validate_transitive_auth(merger: "Merger") -> list[CompositionError]:
    errors: list[CompositionError] = []
    schema = merger.merged
    context_name = next((n for spec, n in _context_names(merger)), None)
    contexts: dict[str, list[str]] = {}
    if context_name is not None:
        for t in schema.types.values():
            for d in t.directives:
                if d.name == context_name:
                    contexts.setdefault(str(d.arg_value("name")), []).append(t.name)
    for t in schema.types.values():
        for f in t.fields.values():
            for jf in f.directives:
                if jf.name != "join__field":
                    continue
                type_req = _requirements(merger, t)
                field_req = _requirements(merger, f)
                have = _Requirements()
                have.authenticated = bool((type_req and type_req.authenticated) or (field_req and field_req.authenticated))
                have.scopes = _combine(type_req.scopes if type_req else None, field_req.scopes if field_req else None)
                have.policies = _combine(type_req.policies if type_req else None, field_req.policies if field_req else None)
                graph = str(jf.arg_value("graph"))
                subgraph = next((n for n, g in merger.graph_names.items() if g == graph), None)
                for ctx in jf.arg_value("contextArguments") or []:
                    for ctx_type in contexts.get(str(ctx.get("context")), []):
                        need = _requirements(merger, schema.types[ctx_type])
                        problem = None
                        if need is not None and not _satisfies(have, need):
                            problem = f'in context {ctx.get("context")} from @fromContext selection set'
                        else:
                            try:
                                resolved = resolve_field_set(schema, ctx_type, str(ctx.get("selection")))
                            except FieldSetError:
                                continue
                            for sel in _fields(resolved.selections):
                                target = schema.field(sel.parent, sel.name)
                                if target is None:
                                    continue
                                for element in (target, schema.types.get(base_name(target.type))):
                                    need = _requirements(merger, element) if element is not None else None
                                    if need is not None and not _satisfies(have, need):
                                        problem = f'field "{sel.parent}.{sel.name}" data from @fromContext selection set'
                                        break
                                if problem:
                                    break
                        if problem:
                            errors.append(
                                CompositionError(
                                    "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
                                    f'[{subgraph}] Field "{t.name}.{f.name}" does not specify necessary @authenticated, @requiresScopes and/or @policy auth requirements to access the transitive {problem}.',
                                    [subgraph] if subgraph else [],
                                    f"{t.name}.{f.name}",
                                )
                            )
                if "requires" not in jf.args:
                    continue
                try:
                    resolved = resolve_field_set(schema, t.name, str(jf.arg_value("requires")))
                except FieldSetError:
                    continue
                for sel in _fields(resolved.selections):
                    target = schema.field(sel.parent, sel.name)
                    if target is None:
                        continue
                    for element in (target, schema.types.get(base_name(target.type))):
                        if element is None:
                            continue
                        need = _requirements(merger, element)
                        if need is None:
                            continue
                        ok = (have.authenticated or not need.authenticated) and _implies(have.scopes, need.scopes) and _implies(
                            have.policies, need.policies
                        )
                        if not ok:
                            graph = str(jf.arg_value("graph"))
                            subgraph = next((n for n, g in merger.graph_names.items() if g == graph), None)
                            errors.append(
                                CompositionError(
                                    "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
                                    f'Field "{t.name}.{f.name}" does not specify necessary @authenticated, @requiresScopes and/or @policy auth requirements to access the transitive field "{sel.parent}.{sel.name}" data from @requires selection set.',
                                    [subgraph] if subgraph else [],
                                    f"{t.name}.{f.name}",
                                )
                            )
                            break
    return errors


def _satisfies(have: _Requirements, need: _Requirements) -> bool:
    return (have.authenticated or not need.authenticated) and _implies(have.scopes, need.scopes) and _implies(
        have.policies, need.policies
    )


def _context_names(merger: "Merger"):
    for name, (identity, spec) in merger.merged_spec_directives.items():
        if spec == "context":
            yield spec, name


def _fields(selections: list[Selection]):
    for s in selections:
        if isinstance(s, FieldSelection):
            yield s
        if s.selections:
            yield from _fields(s.selections)
