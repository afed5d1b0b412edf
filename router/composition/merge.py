"""Merging validated federation 2 subgraphs into one supergraph schema model.

The rules follow Apollo Federation 2 composition: output types merge by union,
input types by intersection, field types covariantly (arguments
contravariantly), enums by usage, non-key fields resolved in several subgraphs
must be @shareable, @override moves ownership, and every element is annotated
with the ``join`` directives that tell a router which subgraph provides what.
Elements are added in the order Apollo adds them so the printed supergraph
matches Apollo's output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field as dc_field
from typing import Any

from graphql.language import ast as gast

from router.composition import specs
from router.composition.errors import CompositionError, CompositionHint, human_list, print_subgraph_names
from router.composition.fieldset import FieldSetError, resolve_field_set
from router.composition.model import (
    BUILTIN_DIRECTIVES,
    BUILTIN_SCALARS,
    Directive,
    DirectiveDef,
    EnumValueDef,
    Field,
    InputValue,
    NonNullRef,
    Schema,
    TypeDef,
    TypeRef,
    base_name,
    bool_node,
    enum_node,
    print_directive,
    print_value,
    py_to_value_node,
    string_node,
    value_key,
    value_to_py,
)
from router.composition.subgraph import Subgraph
from router.composition.types_util import is_strict_subtype
from router.composition.validate_subgraph import parse_context

Sources = list[Any]  # one entry per subgraph index, None where absent

_EXECUTABLE_LOCATIONS = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
}
_ACCESS_CONTROL = ("authenticated", "requiresScopes", "policy")
_LABEL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-:./]*$")
_PERCENT_RE = re.compile(r"^percent\((\d{1,2}(\.\d{1,8})?|100)\)$")


def sanitize_graph_name(name: str) -> str:
    value = re.sub(r"\W", "_", name)
    if re.match(r"^\d", value):
        value = "_" + value
    if re.search(r"_\d+$", value):
        value += "_"
    return value.upper()


def graph_enum_names(names: list[str]) -> dict[str, str]:
    by_sanitized: dict[str, list[str]] = {}
    for n in names:
        by_sanitized.setdefault(sanitize_graph_name(n), []).append(n)
    result: dict[str, str] = {}
    for sanitized, group in by_sanitized.items():
        if len(group) == 1:
            result[group[0]] = sanitized
        else:
            for i, n in enumerate(group):
                result[n] = f"{sanitized}_{i + 1}"
    return result


@dataclass
class FieldMergeContext:
    used_overridden: set[int] = dc_field(default_factory=set)
    unused_overridden: set[int] = dc_field(default_factory=set)
    unknown_target: set[int] = dc_field(default_factory=set)
    labels: dict[int, str] = dc_field(default_factory=dict)


@dataclass
class SpecLink:
    """A spec linked from the supergraph, with the directives it brings."""

    spec: specs.SupergraphSpec | None
    url: str
    purpose: str | None
    imports: list[tuple[str, str]] = dc_field(default_factory=list)  # (name in spec, name in supergraph)
    alias: str | None = None  # `as:` when the spec's name is already taken in the supergraph


@dataclass
class MergeResult:
    supergraph: Schema | None
    errors: list[CompositionError]
    hints: list[CompositionHint]
    links: list[SpecLink] = dc_field(default_factory=list)
    join_version: specs.Version = (0, 5)
    graph_names: dict[str, str] = dc_field(default_factory=dict)
    subgraphs: list[Subgraph] = dc_field(default_factory=list)
    overridden: set[tuple[str, str, int]] = dc_field(default_factory=set)
    spec_directives: dict[str, tuple[str, str]] = dc_field(default_factory=dict)


@dataclass
class _EnumUsage:
    position: str  # "Input" | "Output" | "Both"
    input_example: str | None = None
    output_example: str | None = None


class Merger:
    def __init__(self, subgraphs: list[Subgraph]):
        self.subgraphs = sorted(subgraphs, key=lambda s: s.name)
        self.names = [s.name for s in self.subgraphs]
        self.n = len(self.subgraphs)
        self.graph_names = graph_enum_names(self.names)
        self.errors: list[CompositionError] = []
        self.hints: list[CompositionHint] = []
        self.merged = Schema()
        self.latest_fed = self._latest_federation_version()
        self.join_version = specs.join_version_for(self.latest_fed)
        self.links: list[SpecLink] = []
        # supergraph name of each composed spec directive -> (identity, name in spec)
        self.merged_spec_directives: dict[str, tuple[str, str]] = {}
        self.inaccessible_name: str | None = None
        self.access_control: list[tuple[str, str]] = []  # (spec name, supergraph name)
        self.enum_usages: dict[str, _EnumUsage] = {}
        self.applied_to_merge: list[tuple[list[str], Sources, Any]] = []
        self.fields_with_override = self._fields_with("override")
        self.fields_with_requires = self._fields_with("requires")
        self.fields_with_from_context = self._fields_with_from_context()
        self.composed: dict[str, set[str]] = {}  # subgraph -> composed directive names
        self.composed_defs: dict[str, DirectiveDef] = {}  # supergraph name -> definition
        self.removed: set[int] = set()  # ids of merged elements removed after recording
        # (type, field, subgraph index) no longer resolved there because of @override
        self.overridden: set[tuple[str, str, int]] = set()
        # (identity, name in spec) of directives recorded as @join__directive
        self.join_directive_specs: set[tuple[str, str]] = set()

    # ================================================================ setup

    def _latest_federation_version(self) -> specs.Version:
        versions = []
        for sg in self.subgraphs:
            linked = sg.fed_version
            implied = linked
            for link in sg.links:
                mins = specs.SPEC_MIN_FEDERATION.get(link.url.identity, {})
                v = mins.get(link.url.version)
                if v is not None and v > implied:
                    implied = v
            if implied[0] == linked[0] and implied > linked:
                self.hints.append(
                    CompositionHint(
                        "IMPLICITLY_UPGRADED_FEDERATION_VERSION",
                        f"Subgraph {sg.name} has been implicitly upgraded from federation v{linked[0]}.{linked[1]} to v{implied[0]}.{implied[1]}",
                    )
                )
                versions.append(implied)
            else:
                versions.append(linked)
        return max(versions) if versions else specs.LATEST_FEDERATION_VERSION

    def _fields_with(self, spec_name: str) -> set[str]:
        result = set()
        for sg in self.subgraphs:
            name = sg.dname(spec_name)
            for t in sg.schema.types.values():
                for f in t.fields.values():
                    if any(d.name == name for d in f.directives):
                        result.add(f"{t.name}.{f.name}")
        return result

    def _fields_with_from_context(self) -> set[str]:
        result = set()
        for sg in self.subgraphs:
            if sg.fed_version < (2, 8):
                continue
            name = sg.dname("fromContext")
            for t in sg.schema.types.values():
                for f in t.fields.values():
                    if any(d.name == name for a in f.args.values() for d in a.directives):
                        result.add(f"{t.name}.{f.name}")
        return result

    def err(self, code: str, message: str, subgraphs: list[str] | None = None, element: str | None = None) -> None:
        self.errors.append(CompositionError(code, message, list(subgraphs or []), element))

    def hint(self, code: str, message: str, element: str | None = None) -> None:
        self.hints.append(CompositionHint(code, message, element))

    def g(self, idx: int) -> str:
        return self.graph_names[self.names[idx]]

    # ================================================================ entry point

    def merge(self) -> MergeResult:
        self._prepare_spec_links()
        self._prepare_composed_directives()
        if self.errors:
            return self._result(None)
        self._add_types_shallow()
        self._add_directives_shallow()

        by_kind: dict[str, list[TypeDef]] = {}
        for t in self.merged.types.values():
            by_kind.setdefault(t.kind, []).append(t)
        for t in by_kind.get("OBJECT", []):
            self._merge_implements(self._sources_of(t), t)
        for t in by_kind.get("INTERFACE", []):
            self._merge_implements(self._sources_of(t), t)
        for t in by_kind.get("UNION", []):
            self._merge_type(self._sources_of(t), t)
        self._merge_schema_definition()
        for kind in ("SCALAR", "INPUT_OBJECT", "INTERFACE", "OBJECT"):
            for t in by_kind.get(kind, []):
                self._merge_type(self._sources_of(t), t)
        for d in list(self.merged.directive_defs.values()):
            self._merge_directive_definition(d)
        for t in by_kind.get("ENUM", []):
            self._merge_type(self._sources_of(t), t)
        if "query" not in self.merged.roots:
            self.err("NO_QUERIES", "No queries found in any subgraph: a supergraph must have a query root type.")
        self._merge_all_applied_directives()
        self._add_missing_interface_object_fields()
        if not self.errors:
            self._post_merge_validations()
            if not self.errors:
                from router.composition.api_schema import validate_supergraph

                self.errors.extend(validate_supergraph(self))
        return self._result(self.merged if not self.errors else None)

    def _result(self, schema: Schema | None) -> MergeResult:
        return MergeResult(
            supergraph=schema,
            errors=self.errors,
            hints=self.hints,
            links=self.links,
            join_version=self.join_version,
            graph_names=self.graph_names,
            subgraphs=self.subgraphs,
            overridden=self.overridden,
            spec_directives=self.merged_spec_directives,
        )

    # ================================================================ specs and @link

    def _prepare_spec_links(self) -> None:
        """Decide which composable spec directives (tag, inaccessible, auth, cost,
        context) the supergraph links, and under which names."""
        collected: dict[tuple[str, str], dict[int, str]] = {}
        for idx, sg in enumerate(self.subgraphs):
            used = _used_directive_names(sg.schema)
            for def_name in sg.schema.directive_defs:
                if def_name not in used:
                    continue
                source = sg.directive_source(def_name)
                if source is None:
                    continue
                identity, name_in_spec, _version = source
                spec = specs.SUPERGRAPH_SPECS.get(identity)
                if spec is None or (name_in_spec not in spec.directive_defs and name_in_spec not in spec.join_directives):
                    continue
                if identity == specs.CONTEXT_IDENTITY and name_in_spec != "context":
                    continue
                collected.setdefault((identity, name_in_spec), {})[idx] = def_name
        by_identity: dict[str, SpecLink] = {}
        for (identity, name_in_spec), per_subgraph in collected.items():
            names_used = list(dict.fromkeys(per_subgraph.values()))
            if len(names_used) > 1:
                parts = []
                for name in names_used:
                    subs = [self.names[i] for i, n in per_subgraph.items() if n == name]
                    parts.append(f'"@{name}" in {print_subgraph_names(subs)}')
                first_url = self._fed_url_for(identity)
                self.err(
                    "LINK_IMPORT_NAME_MISMATCH",
                    f'The "@{name_in_spec}" directive (from {first_url}) is imported with mismatched name between subgraphs: it is imported as '
                    + " but ".join(parts),
                    [self.names[i] for i in per_subgraph],
                )
                return
            name_in_supergraph = names_used[0]
            spec = specs.SUPERGRAPH_SPECS[identity]
            link = by_identity.get(identity)
            if link is None:
                link = SpecLink(spec, spec.url, spec.purpose)
                by_identity[identity] = link
                self.links.append(link)
            if name_in_spec in spec.join_directives:
                self.join_directive_specs.add((identity, name_in_spec))
                continue
            default_name = spec.name if name_in_spec == spec.name else f"{spec.name}__{name_in_spec}"
            if name_in_supergraph != default_name:
                link.imports.append((name_in_spec, name_in_supergraph))
            self.merged_spec_directives[name_in_supergraph] = (identity, name_in_spec)
            if identity == specs.INACCESSIBLE_IDENTITY:
                self.inaccessible_name = name_in_supergraph
            if name_in_spec in _ACCESS_CONTROL:
                self.access_control.append((name_in_spec, name_in_supergraph))

    def _fed_url_for(self, identity: str) -> str:
        for sg in self.subgraphs:
            fl = sg.fed_link
            if fl is not None:
                return fl.url.url
        return identity

    def _prepare_composed_directives(self) -> None:
        """@composeDirective: custom directives whose applications are kept."""
        items: list[dict[str, Any]] = []
        for sg in self.subgraphs:
            if not sg.fed2 or sg.fed_version < (2, 1):
                continue
            compose_name = sg.dname("composeDirective")
            for d in sg.schema.schema_directives:
                if d.name != compose_name:
                    continue
                arg = d.arg_value("name")
                if not arg:
                    self.err(
                        "DIRECTIVE_COMPOSITION_ERROR",
                        f'Argument to @composeDirective in subgraph "{sg.name}" cannot be NULL or an empty String',
                        [sg.name],
                    )
                    continue
                if not str(arg).startswith("@"):
                    self.err(
                        "DIRECTIVE_COMPOSITION_ERROR",
                        f'Argument to @composeDirective "{arg}" in subgraph "{sg.name}" must have a leading "@"',
                        [sg.name],
                    )
                    continue
                name = str(arg)[1:]
                definition = sg.schema.directive_defs.get(name)
                if definition is None:
                    self.err(
                        "DIRECTIVE_COMPOSITION_ERROR",
                        f'Could not find matching directive definition for argument to @composeDirective "@{name}" in subgraph "{sg.name}".',
                        [sg.name],
                    )
                    continue
                link, name_in_spec = _feature_of(sg, name)
                if link is None:
                    self.err(
                        "DIRECTIVE_COMPOSITION_ERROR",
                        f'Directive "@{name}" in subgraph "{sg.name}" cannot be composed because it is not a member of a core feature',
                        [sg.name],
                    )
                    continue
                identity = link.url.identity
                if identity in _DISALLOWED_COMPOSE_IDENTITIES:
                    if name_in_spec in ("tag", "inaccessible", "authenticated", "requiresScopes", "policy", "context"):
                        self.hint(
                            "DIRECTIVE_COMPOSITION_INFO",
                            f'Directive "@{name}" should not be explicitly manually composed since it is a federation directive composed by default',
                        )
                    else:
                        self.err(
                            "DIRECTIVE_COMPOSITION_ERROR",
                            f'Composing federation directive "{arg}" in subgraph "{sg.name}" is not supported',
                            [sg.name],
                        )
                    continue
                tag_names = [s.dname("tag") for s in self.subgraphs]
                inaccessible_names = [s.dname("inaccessible") for s in self.subgraphs]
                if name in tag_names or name in inaccessible_names:
                    which = "@tag" if name in tag_names else "@inaccessible"
                    names = [s.name for s, n in zip(self.subgraphs, tag_names if which == "@tag" else inaccessible_names) if n == name]
                    self.err(
                        "DIRECTIVE_COMPOSITION_ERROR",
                        f'Directive "@{name}" in subgraph "{sg.name}" cannot be composed because it conflicts with automatically composed federation directive "{which}". Conflict exists in subgraph(s): ({",".join(names)})',
                        [sg.name],
                    )
                    continue
                items.append({"sg": sg, "link": link, "name": name, "orig": name_in_spec, "identity": identity})
        if not items:
            return
        wont_merge_features: set[str] = set()
        wont_merge_names: set[str] = set()
        latest: dict[str, tuple[Any, list[str]]] = {}
        for identity in dict.fromkeys(i["identity"] for i in items):
            composing = {i["sg"].name for i in items if i["identity"] == identity}
            pairs = []
            for sg in self.subgraphs:
                lf = next((l for l in sg.links if l.url.identity == identity), None)
                if lf is not None:
                    pairs.append((lf, sg.name in composing, sg.name))
            best = None
            failed = False
            for lf, is_composed, sg_name in pairs:
                if best is None:
                    best = (lf, is_composed)
                    continue
                if best[0].url.version[0] != lf.url.version[0]:
                    if best[1] and is_composed:
                        self.err(
                            "DIRECTIVE_COMPOSITION_ERROR",
                            f'Core feature "{identity}" requested to be merged has major version mismatch across subgraphs',
                        )
                        failed = True
                        break
                    best = best if best[1] else (lf, is_composed)
                    continue
                if best[1] and not is_composed:
                    continue
                if not best[1] and is_composed:
                    best = (lf, is_composed)
                    continue
                best = best if best[0].url.version[1] > lf.url.version[1] else (lf, is_composed)
            if failed or best is None or not best[1]:
                wont_merge_features.add(identity)
                continue
            same_version = [n for lf, _c, n in pairs if lf.url.version == best[0].url.version]
            latest[identity] = (best[0], list(reversed(same_version)))
        by_name: dict[str, list[dict[str, Any]]] = {}
        by_orig: dict[str, list[dict[str, Any]]] = {}
        for i in items:
            by_name.setdefault(i["name"], []).append(i)
            by_orig.setdefault(i["orig"], []).append(i)
        for name, group in by_name.items():
            if len({i["orig"] for i in group}) > 1:
                wont_merge_names.add(name)
                self.err("DIRECTIVE_COMPOSITION_ERROR", f'Composed directive "@{name}" does not refer to the same directive in every subgraph')
            if len({i["identity"] for i in group}) > 1:
                wont_merge_names.add(name)
                self.err("DIRECTIVE_COMPOSITION_ERROR", f'Composed directive "@{name}" is not linked by the same core feature in every subgraph')
        for orig, group in by_orig.items():
            if len({i["name"] for i in group}) > 1:
                wont_merge_names.update(i["name"] for i in group)
                parts = " and ".join(f'"@{i["name"]}" in subgraph "{i["sg"].name}"' for i in group)
                self.err("DIRECTIVE_COMPOSITION_ERROR", f"Composed directive is not named consistently in all subgraphs but {parts}")
        identity_of: dict[str, tuple[str, str]] = {}
        for i in items:
            if i["identity"] not in wont_merge_features and i["name"] not in wont_merge_names:
                self.composed.setdefault(i["sg"].name, set()).add(i["name"])
            identity_of[i["name"]] = (i["identity"], i["orig"])
        for identity, (feature, subgraph_names) in latest.items():
            directives = []
            for name, (ident, orig) in identity_of.items():
                if ident == identity and name not in [d for d, _ in directives]:
                    directives.append((name, orig))
            link = SpecLink(None, feature.url.url, None)
            taken = {"link", "join"} | {l.spec.name for l in self.links if l.spec is not None} | {
                l.alias for l in self.links if l.alias
            }
            if feature.url.name in taken:
                n = 0
                while f"_{n}{feature.url.name}" in taken:
                    n += 1
                link.alias = f"_{n}{feature.url.name}"
            for name, orig in directives:
                link.imports.append((orig, name))
                definition = None
                for sg_name in subgraph_names:
                    sg = next(s for s in self.subgraphs if s.name == sg_name)
                    lf = next((l for l in sg.links if l.url.identity == identity), None)
                    if lf is not None:
                        definition = sg.schema.directive_defs.get(lf.directive_name(orig))
                        if definition is not None:
                            break
                if definition is None:
                    self.err(
                        "DIRECTIVE_COMPOSITION_ERROR",
                        f'Core feature "{identity}/v{feature.url.version[0]}.{feature.url.version[1]}" in {print_subgraph_names(subgraph_names)} does not have a directive definition for "@{name}"',
                    )
                    continue
                self.composed_defs[name] = definition
            self.links.append(link)

    # ================================================================ shallow adds

    def is_merged_directive_application(self, idx: int, name: str) -> bool:
        if name in self.composed.get(self.names[idx], ()):
            return True
        return name in self.merged_spec_directives or name in ("deprecated", "specifiedBy")

    def _add_types_shallow(self) -> None:
        mismatched: list[str] = []
        with_itf_object: list[str] = []
        for sg in self.subgraphs:
            for t in sg.schema.types.values():
                if t.name in BUILTIN_SCALARS:
                    continue  # a redefinition of a built-in scalar is still the built-in
                kind = t.kind
                if sg.is_interface_object(t):
                    kind = "INTERFACE"
                    if t.name not in with_itf_object:
                        with_itf_object.append(t.name)
                existing = self.merged.types.get(t.name)
                if existing is None:
                    self.merged.types[t.name] = TypeDef(kind=kind, name=t.name)  # type: ignore[arg-type]
                elif existing.kind != kind and t.name not in mismatched:
                    mismatched.append(t.name)
        for name in mismatched:
            self._report_kind_mismatch(name)
        for name in with_itf_object:
            if name in mismatched:
                continue
            if not any((t := sg.schema.types.get(name)) is not None and t.kind == "INTERFACE" for sg in self.subgraphs):
                subs = [sg.name for sg in self.subgraphs if name in sg.schema.types]
                self.err(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'Type "{name}" is declared with @interfaceObject in all the subgraphs in which it is defined (it is defined in {print_subgraph_names(subs)} but should be defined as an interface in at least one subgraph)',
                    subs,
                    name,
                )

    def _kind_label(self, sg: Subgraph, t: TypeDef) -> str:
        if sg.is_interface_object(t):
            return "Interface Object Type (Object Type with @interfaceObject)"
        return {
            "OBJECT": "Object Type",
            "INTERFACE": "Interface Type",
            "UNION": "Union Type",
            "ENUM": "Enum Type",
            "INPUT_OBJECT": "Input Object Type",
            "SCALAR": "Scalar Type",
        }[t.kind]

    def _report_kind_mismatch(self, name: str) -> None:
        groups: dict[str, list[str]] = {}
        for sg in self.subgraphs:
            t = sg.schema.types.get(name)
            if t is not None:
                groups.setdefault(self._kind_label(sg, t), []).append(sg.name)
        parts = [f'"{k}" in {print_subgraph_names(v)}' for k, v in groups.items()]
        self.err(
            "TYPE_KIND_MISMATCH",
            f'Type "{name}" has mismatched kind: it is defined as ' + " but ".join(parts),
            [s for v in groups.values() for s in v],
            name,
        )

    def _add_directives_shallow(self) -> None:
        for idx, sg in enumerate(self.subgraphs):
            for d in sg.schema.directive_defs.values():
                if d.name in self.merged.directive_defs:
                    continue
                if d.name in self.composed.get(sg.name, ()):
                    self.merged.directive_defs[d.name] = DirectiveDef(d.name)
                elif d.name in BUILTIN_DIRECTIVES or d.name in sg.machinery_directives:
                    continue
                elif d.name in self.merged_spec_directives:
                    continue
                elif any(loc in _EXECUTABLE_LOCATIONS for loc in d.locations):
                    self.merged.directive_defs[d.name] = DirectiveDef(d.name)

    def _sources_of(self, dest: TypeDef) -> Sources:
        sources: Sources = []
        for sg in self.subgraphs:
            t = sg.schema.types.get(dest.name)
            if t is None:
                sources.append(None)
                continue
            kind = "INTERFACE" if sg.is_interface_object(t) else t.kind
            sources.append(t if kind == dest.kind else None)
        return sources

    # ================================================================ types

    def _merge_implements(self, sources: Sources, dest: TypeDef) -> None:
        implemented: list[str] = []
        for idx, source in enumerate(sources):
            if source is None:
                continue
            for itf in source.interfaces:
                if itf not in implemented:
                    implemented.append(itf)
                dest.directives.append(
                    Directive("join__implements", {"graph": enum_node(self.g(idx)), "interface": string_node(itf)})
                )
        for itf in implemented:
            if itf not in dest.interfaces:
                dest.interfaces.append(itf)

    def _merge_type(self, sources: Sources, dest: TypeDef) -> None:
        self._check_extension_with_no_base(sources, dest)
        dest.description = self._merge_description(sources)
        self._add_join_type(sources, dest)
        self._record_type_applied_directives(sources, dest)
        self._add_join_directives(sources, dest)
        if dest.kind == "OBJECT":
            self._merge_object(sources, dest)
        elif dest.kind == "INTERFACE":
            self._merge_interface(sources, dest)
        elif dest.kind == "UNION":
            self._merge_union(sources, dest)
        elif dest.kind == "ENUM":
            self._merge_enum(sources, dest)
        elif dest.kind == "INPUT_OBJECT":
            self._merge_input(sources, dest)

    def _check_extension_with_no_base(self, sources: Sources, dest: TypeDef) -> None:
        # Root types may be declared with `extend type` only (federation 1 habit).
        if dest.kind == "OBJECT" and (
            self.merged.is_root(dest.name)
            or any(s is not None and sg.schema.is_root(dest.name) for s, sg in zip(sources, self.subgraphs))
        ):
            return
        defs = [self.names[i] for i, s in enumerate(sources) if s is not None and s.has_definition]
        exts = [self.names[i] for i, s in enumerate(sources) if s is not None and s.has_extension]
        if exts and not defs:
            for name in exts:
                self.err(
                    "EXTENSION_WITH_NO_BASE",
                    f'[{name}] Type "{dest.name}" is an extension type, but there is no type definition for "{dest.name}" in any subgraph.',
                    [name],
                    dest.name,
                )

    def _merge_description(self, sources: Sources) -> str | None:
        descriptions: list[str] = []
        counts: list[int] = []
        for s in sources:
            if s is None or s.description is None:
                continue
            if s.description in descriptions:
                counts[descriptions.index(s.description)] += 1
            else:
                descriptions.append(s.description)
                counts.append(-(10**9) if s.description == "" else 1)
        if not descriptions:
            return None
        non_empty = [d for d in descriptions if d != ""]
        if len(descriptions) == 1:
            return descriptions[0]
        if len(non_empty) == 1:
            return non_empty[0]
        best = max(range(len(counts)), key=lambda i: (counts[i], -i))
        return descriptions[best]

    def _add_join_type(self, sources: Sources, dest: TypeDef) -> None:
        for idx, source in enumerate(sources):
            if source is None:
                continue
            sg = self.subgraphs[idx]
            is_itf_object = sg.is_interface_object(source)
            keys = sg.keys(source) if source.kind in ("OBJECT", "INTERFACE") else []
            if not keys:
                args: dict[str, gast.ValueNode] = {"graph": enum_node(self.g(idx))}
                if is_itf_object:
                    args["isInterfaceObject"] = bool_node(True)
                dest.directives.append(Directive("join__type", args))
                continue
            has_extends = sg.has(source, "extends")
            for key in keys:
                args = {"graph": enum_node(self.g(idx)), "key": key.args["fields"]}
                if key.extension or has_extends:
                    args["extension"] = bool_node(True)
                if "resolvable" in key.args:
                    args["resolvable"] = key.args["resolvable"]
                if is_itf_object:
                    args["isInterfaceObject"] = bool_node(True)
                dest.directives.append(Directive("join__type", args))

    def _merge_object(self, sources: Sources, dest: TypeDef) -> None:
        is_entity = self._hint_on_inconsistent_entity(sources, dest)
        is_value_type = not is_entity and not self.merged.is_root(dest.name)
        is_subscription = self.merged.roots.get("subscription") == dest.name
        added = self._add_fields_shallow(sources, dest)
        if not added:
            del self.merged.types[dest.name]
            for kind, name in list(self.merged.roots.items()):
                if name == dest.name:
                    del self.merged.roots[kind]
            return
        for dest_field, field_sources in added:
            if is_value_type:
                self._hint_on_inconsistent_value_type_field(sources, dest, dest_field)
            ctx = self._validate_override(field_sources, dest, dest_field)
            for idx in ctx.used_overridden | ctx.unused_overridden:
                if idx not in ctx.labels:
                    self.overridden.add((dest.name, dest_field.name, idx))
            if is_subscription:
                self._validate_subscription_field(field_sources)
            self._merge_field(field_sources, dest, dest_field, ctx)
            self._validate_field_sharing(field_sources, dest, dest_field, ctx)

    def _hint_on_inconsistent_entity(self, sources: Sources, dest: TypeDef) -> bool:
        entity = [i for i, s in enumerate(sources) if s is not None and self.subgraphs[i].keys(s)]
        non_entity = [i for i, s in enumerate(sources) if s is not None and not self.subgraphs[i].keys(s)]
        if entity and non_entity:
            self.hint(
                "INCONSISTENT_ENTITY",
                f'Type "{dest.name}" is declared as an entity (has a @key applied) in some but not all defining subgraphs: '
                f"it has no @key in {print_subgraph_names([self.names[i] for i in non_entity])} but has some @key in "
                f"{print_subgraph_names([self.names[i] for i in entity])}.",
                dest.name,
            )
        return bool(entity)

    def _hint_on_inconsistent_value_type_field(self, sources: Sources, dest: TypeDef, f: Field) -> None:
        for idx, source in enumerate(sources):
            if source is not None and f.name not in source.fields and not all(
                self.subgraphs[idx].is_external(source.name, sf) for sf in source.fields.values()
            ):
                kind = "non-entity object" if dest.kind == "OBJECT" else "interface"
                code = "INCONSISTENT_OBJECT_VALUE_TYPE_FIELD" if dest.kind == "OBJECT" else "INCONSISTENT_INTERFACE_VALUE_TYPE_FIELD"
                self.hint(
                    code,
                    f'Field "{dest.name}.{f.name}" of {kind} type "{dest.name}" is defined in some but not all subgraphs that define "{dest.name}".',
                    f"{dest.name}.{f.name}",
                )
                return

    def _add_fields_shallow(self, sources: Sources, dest: TypeDef) -> list[tuple[Any, Sources]]:
        added: dict[str, tuple[Any, Sources]] = {}
        input_kind = dest.kind == "INPUT_OBJECT"
        for idx, source in enumerate(sources):
            if source is None:
                continue
            items = source.input_fields.values() if input_kind else source.fields.values()
            for f in items:
                if f.name not in added:
                    new = (
                        InputValue(f.name, f.type)
                        if input_kind
                        else Field(f.name, f.type)
                    )
                    if input_kind:
                        dest.input_fields[f.name] = new
                    else:
                        dest.fields[f.name] = new
                    added[f.name] = (new, [None] * self.n)
                added[f.name][1][idx] = f
        return list(added.values())

    # ---------------------------------------------------------------- fields

    def _is_external(self, idx: int, type_name: str, f: Any) -> bool:
        return self.subgraphs[idx].is_external(type_name, f)

    def _itf_object_fields_for(self, parent: TypeDef, field_name: str, idx: int) -> list[tuple[str, Field]]:
        """Fields standing in for ``parent.field_name`` in subgraph ``idx`` through
        @interfaceObject types of interfaces ``parent`` implements."""
        schema = self.subgraphs[idx].schema
        if parent.kind != "OBJECT" or parent.name in schema.types:
            return []
        result = []
        for itf in parent.interfaces:
            merged_itf = self.merged.types.get(itf)
            if merged_itf is None or field_name not in merged_itf.fields:
                continue
            t = schema.types.get(itf)
            if t is None or t.kind != "OBJECT":
                continue
            f = t.fields.get(field_name)
            if f is not None:
                result.append((itf, f))
        return result

    def _validate_override(self, sources: Sources, parent: TypeDef, dest: Field) -> FieldMergeContext:
        ctx = FieldMergeContext()
        coordinate = f"{parent.name}.{dest.name}"
        if coordinate not in self.fields_with_override:
            return ctx
        info: dict[str, dict[str, Any]] = {}
        with_override: list[str] = []
        for idx, source in enumerate(sources):
            sg = self.subgraphs[idx]
            if source is None:
                abstracting = self._itf_object_fields_for(parent, dest.name, idx)
                if abstracting:
                    info[sg.name] = {"idx": idx, "abstracting": abstracting}
                continue
            src_parent = sg.schema.types[parent.name]
            overrides = sg.applied(source, "override") if sg.fed2 else []
            entry = {
                "idx": idx,
                "is_itf_field": src_parent.kind == "INTERFACE",
                "is_itf_object": sg.is_interface_object(src_parent),
                "override": overrides[0] if overrides else None,
            }
            info[sg.name] = entry
            if entry["override"] is not None:
                with_override.append(sg.name)
        for name in with_override:
            entry = info[name]
            idx = entry["idx"]
            directive: Directive = entry["override"]
            if entry["is_itf_field"]:
                self.err(
                    "OVERRIDE_ON_INTERFACE",
                    f'@override cannot be used on field "{coordinate}" on subgraph "{name}": @override is not supported on interface type fields.',
                    [name],
                    coordinate,
                )
                continue
            if entry["is_itf_object"]:
                self.err(
                    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                    f'@override is not yet supported on fields of @interfaceObject types: cannot be used on field "{coordinate}" on subgraph "{name}".',
                    [name],
                    coordinate,
                )
                continue
            source_name = str(directive.arg_value("from"))
            label = directive.arg_value("label")
            if source_name not in self.names:
                ctx.unknown_target.add(idx)
                self.hint(
                    "FROM_SUBGRAPH_DOES_NOT_EXIST",
                    f'Source subgraph "{source_name}" for field "{coordinate}" on subgraph "{name}" does not exist.',
                    coordinate,
                )
            elif source_name == name:
                self.err(
                    "OVERRIDE_FROM_SELF_ERROR",
                    f'Source and destination subgraphs "{source_name}" are the same for overridden field "{coordinate}"',
                    [name],
                    coordinate,
                )
            elif source_name in with_override:
                self.err(
                    "OVERRIDE_SOURCE_HAS_OVERRIDE",
                    f'Field "{coordinate}" on subgraph "{name}" is also marked with directive @override in subgraph "{source_name}". Only one @override directive is allowed per field.',
                    [name, source_name],
                    coordinate,
                )
            elif source_name not in info:
                self.hint(
                    "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                    f'Field "{coordinate}" on subgraph "{name}" no longer exists in the from subgraph. The @override directive can be removed.',
                    coordinate,
                )
            else:
                from_entry = info[source_name]
                if "abstracting" in from_entry:
                    types = human_list([f'"{t}"' for t, _ in from_entry["abstracting"]], "type", "types")
                    self.err(
                        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                        f'Invalid @override on field "{coordinate}" of subgraph "{name}": source subgraph "{source_name}" does not have field "{coordinate}" but abstract it in {types} and overriding abstracted fields is not supported.',
                        [name, source_name],
                        coordinate,
                    )
                    continue
                from_idx = from_entry["idx"]
                from_sg = self.subgraphs[from_idx]
                from_field = sources[from_idx]
                conflict = None
                conflict_subgraph = None
                for spec_name in ("requires", "provides"):
                    if from_sg.has(from_field, spec_name):
                        conflict, conflict_subgraph = spec_name, source_name
                        break
                if conflict is None and self._is_external(idx, parent.name, sources[idx]):
                    conflict, conflict_subgraph = "external", name
                if conflict is not None:
                    self.err(
                        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                        f'@override cannot be used on field "{coordinate}" on subgraph "{name}" since "{coordinate}" on "{conflict_subgraph}" is marked with directive "@{from_sg.dname(conflict) if conflict_subgraph == source_name else self.subgraphs[idx].dname(conflict)}"',
                        [name, source_name],
                        coordinate,
                    )
                    continue
                referenced = from_sg.is_field_used(parent.name, dest.name)
                if self._is_external(from_idx, parent.name, from_field):
                    self.hint(
                        "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED",
                        f'Field "{coordinate}" on subgraph "{name}" is not resolved anymore by the from subgraph (it is marked "@external" in "{source_name}"). The @override directive can be removed.',
                        coordinate,
                    )
                elif referenced:
                    ctx.used_overridden.add(from_idx)
                    if not label:
                        self.hint(
                            "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
                            f'Field "{coordinate}" on subgraph "{source_name}" is overridden. It is still used in some federation directive(s) (@key, @requires, and/or @provides) and/or to satisfy interface constraint(s), but consider marking it @external explicitly or removing it along with its references.',
                            coordinate,
                        )
                else:
                    ctx.unused_overridden.add(from_idx)
                    if not label:
                        self.hint(
                            "OVERRIDDEN_FIELD_CAN_BE_REMOVED",
                            f'Field "{coordinate}" on subgraph "{source_name}" is overridden. Consider removing it.',
                            coordinate,
                        )
                if label:
                    label = str(label)
                    valid = bool(_LABEL_RE.match(label))
                    if not valid:
                        m = _PERCENT_RE.match(label)
                        valid = bool(m) and 0 <= float(m.group(1)) <= 100
                    if valid:
                        ctx.labels[idx] = label
                        ctx.labels[from_idx] = label
                    else:
                        self.err(
                            "OVERRIDE_LABEL_INVALID",
                            f'Invalid @override label "{label}" on field "{coordinate}" on subgraph "{name}": labels must start with a letter and after that may contain alphanumerics, underscores, minuses, colons, periods, or slashes. Alternatively, labels may be of the form "percent(x)" where x is a float between 0-100 inclusive.',
                            [name],
                            coordinate,
                        )
                    self.hint(
                        "OVERRIDE_MIGRATION_IN_PROGRESS",
                        f'Field "{coordinate}" is currently being migrated with progressive @override. Once the migration is complete, remove the field from subgraph "{source_name}".',
                        coordinate,
                    )
        return ctx

    def _validate_subscription_field(self, sources: Sources) -> None:
        for idx, s in enumerate(sources):
            if s is not None and self.subgraphs[idx].has(s, "shareable"):
                self.err(
                    "INVALID_FIELD_SHARING",
                    "Fields on root level subscription object cannot be marked as shareable",
                    [self.names[idx]],
                )
                return

    def _merge_field(self, sources: Sources, parent: TypeDef, dest: Field, ctx: FieldMergeContext) -> None:
        coordinate = f"{parent.name}.{dest.name}"
        every_external = True
        for idx, s in enumerate(sources):
            if s is None:
                every_external = every_external and all(
                    self._is_external(idx, itf, f) for itf, f in self._itf_object_fields_for(parent, dest.name, idx)
                )
            else:
                every_external = every_external and self._is_external(idx, parent.name, s)
            if not every_external:
                break
        if every_external:
            defining = []
            for idx, s in enumerate(sources):
                if s is not None:
                    defining.append(self.names[idx])
                else:
                    itf_fields = self._itf_object_fields_for(parent, dest.name, idx)
                    if itf_fields:
                        defining.append(
                            f'{self.names[idx]} (through @interaceObject {human_list([f"{chr(34)}{t}{chr(34)}" for t, _ in itf_fields], "type", "types")})'
                        )
            self.err(
                "EXTERNAL_MISSING_ON_BASE",
                f'Field "{coordinate}" is marked @external on all the subgraphs in which it is listed ({print_subgraph_names(defining)}).',
                [n for n in self.names if n in defining],
                coordinate,
            )
            return
        without_external = self._validate_and_filter_external(sources, parent)
        if any(s is not None for s in without_external):
            dest.description = self._merge_description(without_external)
            self._record_field_applied_directives(without_external, parent, dest)
            self._add_arguments_shallow(without_external, dest, coordinate)
            for arg in list(dest.args.values()):
                arg_sources = [s.args.get(arg.name) if s is not None else None for s in without_external]
                self._merge_argument(arg_sources, arg, f"{coordinate}({arg.name}:)")
        all_equal = self._merge_type_reference(
            without_external if any(s is not None for s in without_external) else sources,
            dest,
            coordinate,
            is_input=False,
        )
        if any(s is not None and self._is_external(i, parent.name, s) for i, s in enumerate(sources)):
            self._validate_external_fields(sources, parent, dest, all_equal)
        self._add_join_field(sources, parent, dest, all_equal, ctx)
        self._add_join_directives(sources, dest)

    def _add_join_directives(self, sources: Sources, dest: Any) -> None:
        """Directives Apollo records as ``@join__directive`` (e.g. @cacheTag)."""
        if not self.join_directive_specs:
            return
        groups: dict[str, list[tuple[list[str], dict[str, gast.ValueNode], Any]]] = {}
        for idx, s in enumerate(sources):
            if s is None:
                continue
            sg = self.subgraphs[idx]
            for d in s.directives:
                source = sg.directive_source(d.name)
                if source is None or (source[0], source[1]) not in self.join_directive_specs:
                    continue
                name = f"{sg.fed_link.url.name if sg.fed_link else 'federation'}__{source[1]}"
                key = value_key({k: value_to_py(v) for k, v in d.args.items()})
                entries = groups.setdefault(name, [])
                for graphs, _args, existing_key in entries:
                    if existing_key == key:
                        graphs.append(self.g(idx))
                        break
                else:
                    entries.append(([self.g(idx)], dict(d.args), key))
        for name, entries in groups.items():
            for graphs, args, _key in entries:
                dest.directives.append(
                    Directive(
                        "join__directive",
                        {
                            "graphs": gast.ListValueNode(values=tuple(enum_node(g) for g in graphs)),
                            "name": string_node(name),
                            "args": gast.ObjectValueNode(
                                fields=tuple(
                                    gast.ObjectFieldNode(name=gast.NameNode(value=k), value=v) for k, v in args.items()
                                )
                            ),
                        },
                    )
                )

    def _validate_and_filter_external(self, sources: Sources, parent: TypeDef) -> Sources:
        filtered: Sources = []
        for idx, s in enumerate(sources):
            if s is None or not self._is_external(idx, parent.name, s):
                filtered.append(s)
                continue
            filtered.append(None)
            for d in s.directives:
                if self.is_merged_directive_application(idx, d.name):
                    self.err(
                        "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
                        f'[{self.names[idx]}] Cannot apply merged directive {print_directive(d)} to external field "{parent.name}.{s.name}"',
                        [self.names[idx]],
                        f"{parent.name}.{s.name}",
                    )
        return filtered

    def _validate_field_sharing(self, sources: Sources, parent: TypeDef, dest: Field, ctx: FieldMergeContext) -> None:
        shareable: list[str] = []
        non_shareable: list[tuple[str, int]] = []
        resolving: list[str] = []
        coordinate = f"{parent.name}.{dest.name}"

        def categorize(idx: int, label: str, type_name: str, f: Field) -> None:
            sg = self.subgraphs[idx]
            if sg.is_fully_external(type_name, f):
                return
            resolving.append(label)
            if sg.is_shareable(type_name, f.name):
                shareable.append(label)
            else:
                non_shareable.append((label, idx))

        for idx, s in enumerate(sources):
            label = f'"{self.names[idx]}"'
            if s is None:
                for itf, f in self._itf_object_fields_for(parent, dest.name, idx):
                    categorize(idx, label + f' (through @interfaceObject field "{itf}.{dest.name}")', itf, f)
                continue
            if idx in ctx.used_overridden or idx in ctx.unused_overridden:
                continue
            categorize(idx, label, parent.name, s)
        if non_shareable and (shareable or len(non_shareable) > 1):
            resolving_str = human_list(resolving, "subgraph", "subgraphs", 500)
            non_str = (
                human_list([n for n, _ in non_shareable], "subgraph", "subgraphs", 500) if shareable else "all of them"
            )
            extra = ""
            targetless = next((n for n, i in non_shareable if i in ctx.unknown_target), None)
            if targetless is not None:
                extra = f' (please note that "{coordinate}" has an @override directive in {targetless} that targets an unknown subgraph so this could be due to misspelling the @override(from:) argument)'
            self.err(
                "INVALID_FIELD_SHARING",
                f'Non-shareable field "{coordinate}" is resolved from multiple subgraphs: it is resolved from {resolving_str} and defined as non-shareable in {non_str}{extra}',
                [n.strip('"').split('"')[0] for n in resolving],
                coordinate,
            )

    def _validate_external_fields(self, sources: Sources, parent: TypeDef, dest: Field, all_equal: bool) -> None:
        coordinate = f"{parent.name}.{dest.name}"
        invalid_type = False
        missing_args: list[str] = []
        bad_arg_types: list[str] = []
        bad_defaults: list[str] = []
        for idx, s in enumerate(sources):
            if s is None or not self._is_external(idx, parent.name, s):
                continue
            if not (dest.type == s.type or (not all_equal and self._is_strict_subtype(dest.type, s.type))):
                invalid_type = True
            for arg in dest.args.values():
                sa = s.args.get(arg.name)
                if sa is None:
                    if arg.name not in missing_args:
                        missing_args.append(arg.name)
                    continue
                if arg.type != sa.type and not self._is_strict_subtype(sa.type, arg.type):
                    if arg.name not in bad_arg_types:
                        bad_arg_types.append(arg.name)
                if _value_eq(arg.default, sa.default) is False:
                    if arg.name not in bad_defaults:
                        bad_defaults.append(arg.name)
        if invalid_type:
            self._mismatch_error(
                "EXTERNAL_TYPE_MISMATCH",
                f'Type of field "{coordinate}" is incompatible across subgraphs (where marked @external): it has ',
                str(dest.type),
                sources,
                lambda f: f'type "{f.type}"',
                coordinate,
            )
        for name in missing_args:
            subs = [self.names[i] for i, s in enumerate(sources) if s is not None and name not in s.args]
            self.err(
                "EXTERNAL_ARGUMENT_MISSING",
                f'Field "{coordinate}" is missing argument "{coordinate}({name}:)" in some subgraphs where it is marked @external: '
                f'argument "{coordinate}({name}:)" is declared in {print_subgraph_names([self.names[i] for i, s in enumerate(sources) if s is not None and name in s.args])} but not in {print_subgraph_names(subs)} (where "{coordinate}" is @external).',
                subs,
                coordinate,
            )
        for name in bad_arg_types:
            self.err(
                "EXTERNAL_ARGUMENT_TYPE_MISMATCH",
                f'Type of argument "{coordinate}({name}:)" is incompatible across subgraphs (where "{coordinate}" is marked @external)',
                [self.names[i] for i, s in enumerate(sources) if s is not None],
                coordinate,
            )
        for name in bad_defaults:
            self.err(
                "EXTERNAL_ARGUMENT_DEFAULT_MISMATCH",
                f'Argument "{coordinate}({name}:)" has incompatible defaults across subgraphs (where "{coordinate}" is marked @external)',
                [self.names[i] for i, s in enumerate(sources) if s is not None],
                coordinate,
            )

    def _needs_join_field(self, sources: Sources, parent_name: str, all_equal: bool, ctx: FieldMergeContext) -> bool:
        if not all_equal:
            return True
        if ctx.used_overridden or ctx.labels:
            return True
        field_name = next((s.name for s in sources if s is not None), None)
        if f"{parent_name}.{field_name}" in self.fields_with_from_context:
            return True
        for idx, s in enumerate(sources):
            overridden = idx in ctx.unused_overridden
            if s is not None and not overridden:
                sg = self.subgraphs[idx]
                if isinstance(s, Field) and (
                    self._is_external(idx, parent_name, s) or sg.has(s, "provides") or sg.has(s, "requires")
                ):
                    return True
            elif parent_name in self.subgraphs[idx].schema.types:
                return True
        return False

    def _add_join_field(
        self, sources: Sources, parent: TypeDef, dest: Any, all_equal: bool, ctx: FieldMergeContext
    ) -> None:
        if not self._needs_join_field(sources, parent.name, all_equal, ctx):
            return
        for idx, s in enumerate(sources):
            if s is None or (idx in ctx.unused_overridden and idx not in ctx.labels):
                continue
            sg = self.subgraphs[idx]
            args: dict[str, gast.ValueNode] = {"graph": enum_node(self.g(idx))}
            if isinstance(s, Field):
                requires = sg.applied(s, "requires")
                provides = sg.applied(s, "provides")
                override = sg.applied(s, "override") if sg.fed2 else []
                if requires:
                    args["requires"] = requires[0].args["fields"]
                if provides:
                    args["provides"] = provides[0].args["fields"]
                if override:
                    args["override"] = override[-1].args["from"]
            if not all_equal:
                args["type"] = string_node(str(s.type))
            if isinstance(s, Field) and self._is_external(idx, parent.name, s):
                args["external"] = bool_node(True)
            if idx in ctx.used_overridden:
                args["usedOverridden"] = bool_node(True)
            if idx in ctx.labels:
                args["overrideLabel"] = string_node(ctx.labels[idx])
            if isinstance(s, Field):
                context_args = self._context_arguments(idx, s)
                if context_args:
                    args["contextArguments"] = py_to_value_node(context_args)
            dest.directives.append(Directive("join__field", args))

    def _context_arguments(self, idx: int, f: Field) -> list[dict[str, str]]:
        sg = self.subgraphs[idx]
        if sg.fed_version < (2, 8):
            return []
        name = sg.dname("fromContext")
        result = []
        for arg in f.args.values():
            for d in arg.directives:
                if d.name != name:
                    continue
                context, selection = parse_context(str(d.arg_value("field") or ""))
                if context and selection:
                    result.append(
                        {"context": f"{sg.name}__{context}", "name": arg.name, "type": str(arg.type), "selection": selection}
                    )
        return result

    # ---------------------------------------------------------------- types of fields

    def _kind(self, name: str) -> str | None:
        t = self.merged.types.get(name)
        return t.kind if t is not None else None

    def _direct(self, abstract: str, candidate: str) -> bool:
        a = self.merged.types.get(abstract)
        c = self.merged.types.get(candidate)
        if a is None or c is None:
            return False
        if a.kind == "UNION":
            return candidate in a.members
        return abstract in c.interfaces

    def _is_strict_subtype(self, t: TypeRef, sub: TypeRef) -> bool:
        return is_strict_subtype(self._direct, self._kind, t, sub)

    def _merge_type_reference(self, sources: Sources, dest: Any, coordinate: str, is_input: bool) -> bool:
        dest_type: TypeRef | None = None
        has_subtypes = False
        incompatible = False
        for s in sources:
            if s is None:
                continue
            st = s.type
            if dest_type is None or dest_type == st:
                dest_type = st
            elif self._is_strict_subtype(dest_type, st):
                has_subtypes = True
                if is_input:
                    dest_type = st
            elif self._is_strict_subtype(st, dest_type):
                has_subtypes = True
                if not is_input:
                    dest_type = st
            else:
                incompatible = True
        assert dest_type is not None
        dest.type = dest_type
        base = base_name(dest_type)
        bt = self.merged.types.get(base)
        if bt is not None and bt.kind == "ENUM":
            usage = self.enum_usages.get(base)
            position = "Input" if is_input else "Output"
            if usage is None:
                usage = _EnumUsage(position)
                self.enum_usages[base] = usage
            elif usage.position != position:
                usage.position = "Both"
            if is_input and usage.input_example is None:
                usage.input_example = coordinate
            if not is_input and usage.output_example is None:
                usage.output_example = coordinate
        if incompatible:
            is_arg = "(" in coordinate
            self._mismatch_error(
                "FIELD_ARGUMENT_TYPE_MISMATCH" if is_arg else "FIELD_TYPE_MISMATCH",
                f'Type of {"argument" if is_arg else "field"} "{coordinate}" is incompatible across subgraphs: it has ',
                str(dest.type),
                sources,
                lambda f: f'type "{f.type}"',
                coordinate,
            )
            return False
        if has_subtypes:
            is_arg = "(" in coordinate
            self.hint(
                "INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE" if is_arg else "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE",
                f'Type of {"argument" if is_arg else "field"} "{coordinate}" is inconsistent but compatible across subgraphs: will use type "{dest.type}" in supergraph.',
                coordinate,
            )
            return False
        return True

    def _mismatch_error(
        self,
        code: str,
        message: str,
        supergraph_value: str,
        sources: Sources,
        accessor: Callable[[Any], str],
        element: str | None,
    ) -> None:
        groups: dict[str, list[str]] = {}
        for idx, s in enumerate(sources):
            if s is None:
                continue
            groups.setdefault(accessor(s), []).append(self.names[idx])
        parts = [f"{k} in {print_subgraph_names(v)}" for k, v in groups.items()]
        if len(parts) > 1:
            text = " and ".join(parts[:-1]) + " but " + parts[-1]
        else:
            text = parts[0] if parts else ""
        self.err(code, message + text, [n for v in groups.values() for n in v], element)

    # ---------------------------------------------------------------- arguments

    def _add_arguments_shallow(self, sources: Sources, dest: Any, coordinate: str) -> None:
        names: list[str] = []
        for s in sources:
            if s is None:
                continue
            for a in s.args:
                if a not in names:
                    names.append(a)
        for name in names:
            arg_coordinate = f"{coordinate}({name}:)"
            contextual = {}
            for idx, s in enumerate(sources):
                a = s.args.get(name) if s is not None else None
                contextual[idx] = bool(a is not None and self._is_contextual(idx, a))
            if any(contextual.values()):
                for idx, s in enumerate(sources):
                    a = s.args.get(name) if s is not None else None
                    if a is not None and not contextual[idx] and isinstance(a.type, NonNullRef) and a.default is None:
                        self.err(
                            "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS",
                            f'Argument "{arg_coordinate}" is contextual in at least one subgraph but in "{arg_coordinate}" it does not have @fromContext, is not nullable and has no default value.',
                            [self.names[idx]],
                            arg_coordinate,
                        )
                continue
            if any(s is not None and name not in s.args for s in sources):
                required_in = [self.names[i] for i, s in enumerate(sources) if s is not None and name in s.args and s.args[name].is_required()]
                if required_in:
                    missing = [self.names[i] for i, s in enumerate(sources) if s is not None and name not in s.args]
                    self.err(
                        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                        f'Argument "{arg_coordinate}" is required in some subgraphs but does not appear in all subgraphs: it is required in {print_subgraph_names(required_in)} but does not appear in {print_subgraph_names(missing)}',
                        required_in + missing,
                        arg_coordinate,
                    )
                else:
                    self.hint(
                        "INCONSISTENT_ARGUMENT_PRESENCE",
                        f'Optional argument "{arg_coordinate}" will not be included in the supergraph as it does not appear in all subgraphs.',
                        arg_coordinate,
                    )
                continue
            first = next(s.args[name] for s in sources if s is not None)
            dest.args[name] = InputValue(name, first.type)

    def _is_contextual(self, idx: int, arg: InputValue) -> bool:
        sg = self.subgraphs[idx]
        if sg.fed_version < (2, 8):
            return False
        return sg.has(arg, "fromContext")

    def _merge_argument(self, sources: Sources, dest: InputValue, coordinate: str) -> None:
        dest.description = self._merge_description(sources)
        self._record_applied_directives(sources, dest)
        self._merge_type_reference(sources, dest, coordinate, is_input=True)
        self._merge_default_value(sources, dest, coordinate, "Argument")

    def _merge_default_value(self, sources: Sources, dest: InputValue, coordinate: str, kind: str) -> None:
        dest_default = None
        seen_source = False
        inconsistent = False
        incompatible = False
        for s in sources:
            if s is None:
                continue
            if dest_default is None:
                dest_default = s.default
                if seen_source and s.default is not None:
                    inconsistent = True
            elif _value_eq(dest_default, s.default) is False:
                inconsistent = True
                if s.default is not None:
                    incompatible = True
            seen_source = True
        if not inconsistent or incompatible:
            dest.default = dest_default
        if incompatible:
            code = "FIELD_ARGUMENT_DEFAULT_MISMATCH" if kind == "Argument" else "INPUT_FIELD_DEFAULT_MISMATCH"
            self._mismatch_error(
                code,
                f'{kind} "{coordinate}" has incompatible default values across subgraphs: it has ',
                "",
                sources,
                lambda a: f"default value {print_value(a.default)}" if a.default is not None else "no default value",
                coordinate,
            )
        elif inconsistent:
            self.hint(
                "INCONSISTENT_DEFAULT_VALUE_PRESENCE",
                f'{kind} "{coordinate}" has a default value in only some subgraphs.',
                coordinate,
            )

    # ---------------------------------------------------------------- interfaces

    def _merge_interface(self, sources: Sources, dest: TypeDef) -> None:
        has_key = self._validate_interface_keys(sources, dest)
        self._validate_interface_objects(sources, dest)
        for dest_field, field_sources in self._add_fields_shallow(sources, dest):
            if not has_key:
                self._hint_on_inconsistent_value_type_field(sources, dest, dest_field)
            ctx = self._validate_override(field_sources, dest, dest_field)
            self._merge_field(field_sources, dest, dest_field, ctx)

    def _validate_interface_keys(self, sources: Sources, dest: TypeDef) -> bool:
        implementations = self.merged.possible_runtime_types(dest.name)
        has_key = False
        for idx, s in enumerate(sources):
            if s is None or s.kind != "INTERFACE":
                continue
            sg = self.subgraphs[idx]
            keys = sg.keys(s)
            has_key = has_key or bool(keys)
            resolvable = next((k for k in keys if k.arg_value("resolvable", True) is not False), None)
            if resolvable is None:
                continue
            in_subgraph = set(sg.schema.possible_runtime_types(s.name))
            missing = [i for i in implementations if i not in in_subgraph]
            if missing:
                types = human_list([f'"{m}"' for m in missing], "type", "types")
                self.err(
                    "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                    f'[{sg.name}] Interface type "{dest.name}" has a resolvable key ({print_directive(resolvable)}) in subgraph "{sg.name}" but that subgraph is missing some of the supergraph implementation types of "{dest.name}". '
                    f'Subgraph "{sg.name}" should define {types} (and have {"them" if len(missing) > 1 else "it"} implement "{dest.name}").',
                    [sg.name],
                    dest.name,
                )
        return has_key

    def _validate_interface_objects(self, sources: Sources, dest: TypeDef) -> None:
        implementations = self.merged.possible_runtime_types(dest.name)
        for idx, s in enumerate(sources):
            sg = self.subgraphs[idx]
            if s is None or not sg.is_interface_object(s):
                continue
            defined = [i for i in implementations if i in sg.schema.types]
            if defined:
                types = human_list([f'"{d}"' for d in defined], "type", "types")
                self.err(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f'[{sg.name}] Interface type "{dest.name}" is defined as an @interfaceObject in subgraph "{sg.name}" so that subgraph should not define any of the implementation types of "{dest.name}", but it defines {types}',
                    [sg.name],
                    dest.name,
                )

    # ---------------------------------------------------------------- unions

    def _merge_union(self, sources: Sources, dest: TypeDef) -> None:
        for s in sources:
            if s is None:
                continue
            for m in s.members:
                if m not in dest.members:
                    dest.members.append(m)
        for m in dest.members:
            for idx, s in enumerate(sources):
                if s is not None and m in s.members:
                    dest.directives.append(
                        Directive("join__unionMember", {"graph": enum_node(self.g(idx)), "member": string_node(m)})
                    )
            if any(s is not None and m not in s.members for s in sources):
                self.hint(
                    "INCONSISTENT_UNION_MEMBER",
                    f'Union type "{dest.name}" includes member type "{m}" in some but not all defining subgraphs.',
                    dest.name,
                )

    # ---------------------------------------------------------------- enums

    def _merge_enum(self, sources: Sources, dest: TypeDef) -> None:
        usage = self.enum_usages.get(dest.name)
        if usage is None:
            usage = _EnumUsage("Output")
            self.hint(
                "UNUSED_ENUM_TYPE",
                f'Enum type "{dest.name}" is defined but unused. It will be included in the supergraph with all the values appearing in any subgraph ("as if" it was only used as an output type).',
                dest.name,
            )
        for s in sources:
            if s is None:
                continue
            for v in s.values:
                if v not in dest.values:
                    dest.values[v] = EnumValueDef(v)
        for value in list(dest.values.values()):
            self._merge_enum_value(sources, dest, value, usage)
        if not dest.values:
            self.err(
                "EMPTY_MERGED_ENUM_TYPE",
                f'None of the values of enum type "{dest.name}" are defined consistently in all the subgraphs defining that type. As only values common to all subgraphs are merged, this would result in an empty type.',
                [self.names[i] for i, s in enumerate(sources) if s is not None],
                dest.name,
            )

    def _merge_enum_value(self, sources: Sources, dest: TypeDef, value: EnumValueDef, usage: _EnumUsage) -> None:
        value_sources = [s.values.get(value.name) if s is not None else None for s in sources]
        value.description = self._merge_description(value_sources)
        self._record_applied_directives(value_sources, value)
        for idx, vs in enumerate(value_sources):
            if vs is not None:
                value.directives.append(Directive("join__enumValue", {"graph": enum_node(self.g(idx))}))
        inaccessible = self.inaccessible_name is not None and any(d.name == self.inaccessible_name for d in value.directives)
        missing_somewhere = any(s is not None and value.name not in s.values for s in sources)
        if not inaccessible and usage.position != "Output" and missing_somewhere:
            if usage.position == "Both":
                defined = [self.names[i] for i, s in enumerate(sources) if s is not None and value.name in s.values]
                missing = [self.names[i] for i, s in enumerate(sources) if s is not None and value.name not in s.values]
                self.err(
                    "ENUM_VALUE_MISMATCH",
                    f'Enum type "{dest.name}" is used as both input type (for example, as type of "{usage.input_example}") and output type (for example, as type of "{usage.output_example}"), but value "{value.name}" is not defined in all the subgraphs defining "{dest.name}": '
                    f'"{value.name}" is defined in {print_subgraph_names(defined)} but not in {print_subgraph_names(missing)}',
                    defined + missing,
                    f"{dest.name}.{value.name}",
                )
            else:
                self.hint(
                    "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
                    f'Value "{value.name}" of enum type "{dest.name}" will not be part of the supergraph as it is not defined in all the subgraphs defining "{dest.name}".',
                    f"{dest.name}.{value.name}",
                )
                del dest.values[value.name]
                self.removed.add(id(value))
        elif usage.position == "Output" and missing_somewhere:
            self.hint(
                "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM",
                f'Value "{value.name}" of enum type "{dest.name}" has been added to the supergraph but is only defined in a subset of the subgraphs defining "{dest.name}".',
                f"{dest.name}.{value.name}",
            )

    # ---------------------------------------------------------------- inputs

    def _merge_input(self, sources: Sources, dest: TypeDef) -> None:
        for dest_field, field_sources in self._add_fields_shallow(sources, dest):
            coordinate = f"{dest.name}.{dest_field.name}"
            dest_field.description = self._merge_description(field_sources)
            self._record_applied_directives(field_sources, dest_field)
            all_equal = self._merge_type_reference(field_sources, dest_field, coordinate, is_input=True)
            self._add_join_field(field_sources, dest, dest_field, all_equal, FieldMergeContext())
            self._merge_default_value(field_sources, dest_field, coordinate, "Input field")
            inaccessible = self.inaccessible_name is not None and any(
                d.name == self.inaccessible_name for d in dest_field.directives
            )
            if not inaccessible and any(
                f is None and s is not None for f, s in zip(field_sources, sources)
            ):
                required_in = [self.names[i] for i, f in enumerate(field_sources) if f is not None and f.is_required()]
                if required_in:
                    missing = [self.names[i] for i, (f, s) in enumerate(zip(field_sources, sources)) if f is None and s is not None]
                    self.err(
                        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                        f'Input object field "{coordinate}" is required in some subgraphs but does not appear in all subgraphs: it is required in {print_subgraph_names(required_in)} but does not appear in {print_subgraph_names(missing)}',
                        required_in + missing,
                        coordinate,
                    )
                else:
                    self.hint(
                        "INCONSISTENT_INPUT_OBJECT_FIELD",
                        f'Input object field "{dest_field.name}" will not be added to "{dest.name}" in the supergraph as it does not appear in all subgraphs.',
                        coordinate,
                    )
                del dest.input_fields[dest_field.name]
                self.removed.add(id(dest_field))
        if not dest.input_fields:
            self.err(
                "EMPTY_MERGED_INPUT_TYPE",
                f'None of the fields of input object type "{dest.name}" are consistently defined in all the subgraphs defining that type. As only fields common to all subgraphs are merged, this would result in an empty type.',
                [self.names[i] for i, s in enumerate(sources) if s is not None],
                dest.name,
            )

    # ---------------------------------------------------------------- schema definition

    def _merge_schema_definition(self) -> None:
        class _SchemaSource:
            def __init__(self, sg: Subgraph):
                self.description = sg.schema.description
                self.directives = sg.schema.schema_directives

        sources = [_SchemaSource(sg) for sg in self.subgraphs]
        self.merged.description = self._merge_description(sources)
        self._record_applied_directives(sources, _SchemaDirectives(self.merged))
        for kind in ("query", "mutation", "subscription"):
            for sg in self.subgraphs:
                name = sg.schema.roots.get(kind)
                if name is None:
                    continue
                t = sg.schema.types.get(name)
                if t is not None and t.fields:
                    self.merged.roots[kind] = name
                    break

    # ---------------------------------------------------------------- directive definitions

    def _merge_directive_definition(self, dest: DirectiveDef) -> None:
        if dest.name in self.composed_defs:
            source = self.composed_defs[dest.name]
            dest.repeatable = source.repeatable
            dest.description = source.description
            dest.locations = list(source.locations)
            for a in source.args.values():
                arg = InputValue(a.name, a.type)
                dest.args[a.name] = arg
                self._merge_argument([a], arg, f"@{dest.name}({a.name}:)")
            return
        sources = [sg.schema.directive_defs.get(dest.name) for sg in self.subgraphs]
        if not any(
            s is not None and any(loc in _EXECUTABLE_LOCATIONS for loc in s.locations) for s in sources
        ):
            del self.merged.directive_defs[dest.name]
            return
        repeatable: bool | None = None
        locations: list[str] | None = None
        for s in sources:
            if s is None:
                del self.merged.directive_defs[dest.name]
                self.hint(
                    "INCONSISTENT_EXECUTABLE_DIRECTIVE_PRESENCE",
                    f'Executable directive "@{dest.name}" will not be part of the supergraph as it does not appear in all subgraphs.',
                    "@" + dest.name,
                )
                return
            repeatable = s.repeatable if repeatable is None else (repeatable and s.repeatable)
            source_locations = sorted(l for l in s.locations if l in _EXECUTABLE_LOCATIONS)
            if locations is None:
                locations = source_locations
            else:
                locations = [l for l in locations if l in source_locations]
                if not locations:
                    del self.merged.directive_defs[dest.name]
                    self.hint(
                        "NO_EXECUTABLE_DIRECTIVE_LOCATIONS_INTERSECTION",
                        f'Executable directive "@{dest.name}" has no location that is common to all subgraphs.',
                        "@" + dest.name,
                    )
                    return
        dest.repeatable = bool(repeatable)
        dest.locations = locations or []
        dest.description = self._merge_description(sources)
        self._add_arguments_shallow(sources, dest, f"@{dest.name}")
        for arg in list(dest.args.values()):
            self._merge_argument([s.args.get(arg.name) if s else None for s in sources], arg, f"@{dest.name}({arg.name}:)")

    # ================================================================ applied directives

    def _gather_names(self, sources: Sources) -> list[str]:
        names: list[str] = []
        for idx, s in enumerate(sources):
            if s is None:
                continue
            for d in s.directives:
                if self.is_merged_directive_application(idx, d.name) and d.name not in names:
                    names.append(d.name)
        return names

    def _record_applied_directives(self, sources: Sources, dest: Any) -> None:
        names = self._gather_names(sources)
        if self.inaccessible_name in names:
            self._merge_applied_directive(self.inaccessible_name, sources, dest)
            names.remove(self.inaccessible_name)
        self.applied_to_merge.append((names, sources, dest))

    def _record_type_applied_directives(self, sources: Sources, dest: TypeDef) -> None:
        names = self._gather_names(sources)
        if self.inaccessible_name in names:
            self._merge_applied_directive(self.inaccessible_name, sources, dest)
            names.remove(self.inaccessible_name)
        if dest.kind == "INTERFACE":
            for spec_name, sg_name in self.access_control:
                extra = self._access_control_sources().get(f"{dest.name}_{spec_name}", [])
                if sg_name in names or extra:
                    self.applied_to_merge.append(([sg_name], list(sources) + extra, dest))
                if sg_name in names:
                    names.remove(sg_name)
        self.applied_to_merge.append((names, sources, dest))

    def _record_field_applied_directives(self, sources: Sources, parent: TypeDef, dest: Field) -> None:
        names = self._gather_names(sources)
        if self.inaccessible_name in names:
            self._merge_applied_directive(self.inaccessible_name, sources, dest)
            names.remove(self.inaccessible_name)
        for spec_name, sg_name in self.access_control:
            extra = self._access_control_sources().get(f"{parent.name}.{dest.name}_{spec_name}", [])
            if sg_name in names or extra:
                self.applied_to_merge.append(([sg_name], list(sources) + extra, dest))
            if sg_name in names:
                names.remove(sg_name)
        self.applied_to_merge.append((names, sources, dest))

    _ac_cache: dict[str, list[Any]] | None = None

    def _access_control_sources(self) -> dict[str, list[Any]]:
        """Auth requirements propagate from implementations up to interfaces and
        from @interfaceObject fields down to implementations."""
        if self._ac_cache is not None:
            return self._ac_cache
        result: dict[str, list[Any]] = {}
        itf_to_impl: dict[str, list[str]] = {}
        impl_to_itf: dict[str, list[str]] = {}
        for t in self.merged.types.values():
            if t.kind == "INTERFACE":
                impls = self.merged.possible_runtime_types(t.name)
                itf_to_impl[t.name] = impls
                for impl in impls:
                    impl_to_itf.setdefault(impl, []).append(t.name)
        for sg in self.subgraphs:
            for spec_name in _ACCESS_CONTROL:
                if sg.fed_version < (2, 5):
                    continue
                dname = sg.dname(spec_name)
                for t in sg.schema.types.values():
                    if t.kind == "OBJECT" and any(d.name == dname for d in t.directives):
                        for itf in impl_to_itf.get(t.name, []):
                            result.setdefault(f"{itf}_{spec_name}", []).append(t)
                    if t.kind != "OBJECT":
                        continue
                    for f in t.fields.values():
                        if not any(d.name == dname for d in f.directives) or sg.is_external(t.name, f):
                            continue
                        if sg.is_interface_object(t):
                            others: list[str] = []
                            for impl in itf_to_impl.get(t.name, []):
                                result.setdefault(f"{impl}.{f.name}_{spec_name}", []).append(f)
                                for itf in impl_to_itf.get(impl, []):
                                    if itf != t.name and itf not in others:
                                        others.append(itf)
                            for itf in others:
                                result.setdefault(f"{itf}.{f.name}_{spec_name}", []).append(f)
                        else:
                            for itf in impl_to_itf.get(t.name, []):
                                result.setdefault(f"{itf}.{f.name}_{spec_name}", []).append(f)
        self._ac_cache = result
        return result

    def _merge_all_applied_directives(self) -> None:
        for names, sources, dest in self.applied_to_merge:
            if id(dest) in self.removed or not self._attached(dest):
                continue
            for name in names:
                self._merge_applied_directive(name, sources, dest)
        self.applied_to_merge = []

    def _attached(self, dest: Any) -> bool:
        if isinstance(dest, TypeDef):
            return self.merged.types.get(dest.name) is dest
        return True

    def _directive_repeatable(self, name: str) -> bool:
        if name in self.merged_spec_directives:
            identity, spec_name = self.merged_spec_directives[name]
            return spec_name in ("tag", "context")
        if name in self.composed_defs:
            return self.composed_defs[name].repeatable
        return False

    def _merge_applied_directive(self, name: str, sources: Sources, dest: Any) -> None:
        per_source: list[tuple[list[Directive], int]] = []
        for idx, s in enumerate(sources):
            if s is None:
                continue
            ds = [d for d in s.directives if d.name == name]
            if ds:
                per_source.append((ds, idx))
        if not per_source:
            return
        identity_name = self.merged_spec_directives.get(name)
        if self._directive_repeatable(name):
            while per_source:
                d, idx = per_source[0][0][0], per_source[0][1]
                args = dict(d.args)
                if identity_name == (specs.CONTEXT_IDENTITY, "context") and idx < self.n:
                    args = {"name": string_node(f"{self.names[idx]}__{d.arg_value('name')}")}
                dest.directives.append(Directive(name, args))
                key = self._application_key(d)
                per_source = [
                    ([x for x in ds if self._application_key(x) != key], i) for ds, i in per_source
                ]
                per_source = [(ds, i) for ds, i in per_source if ds]
            return
        distinct: list[Directive] = []
        counts: list[int] = []
        for ds, _idx in per_source:
            application = ds[0]
            key = self._application_key(application)
            for i, existing in enumerate(distinct):
                if self._application_key(existing) == key:
                    counts[i] += 1
                    break
            else:
                distinct.append(application)
                counts.append(1)
        if len(distinct) == 1:
            dest.directives.append(Directive(name, dict(distinct[0].args)))
            return
        merger = _ARGUMENT_MERGERS.get(identity_name[1]) if identity_name else None
        if merger is not None:
            merged_args: dict[str, gast.ValueNode] = {}
            for arg_name, strategy in merger:
                values = [self._args_with_defaults(d).get(arg_name) for d in distinct]
                value = strategy(values)
                if value is not None:
                    merged_args[arg_name] = py_to_value_node(value)
            dest.directives.append(Directive(name, merged_args))
            self.hint(
                "MERGED_NON_REPEATABLE_DIRECTIVE_ARGUMENTS",
                f"Directive @{name} is applied in multiple subgraphs with different arguments.",
            )
            return
        best = max(range(len(counts)), key=lambda i: (counts[i], -i))
        dest.directives.append(Directive(name, dict(distinct[best].args)))
        self.hint(
            "INCONSISTENT_NON_REPEATABLE_DIRECTIVE_ARGUMENTS",
            f"Non-repeatable directive @{name} is applied in multiple subgraphs but with incompatible arguments.",
        )

    def _args_with_defaults(self, d: Directive) -> dict[str, Any]:
        args = {k: value_to_py(v) for k, v in d.args.items()}
        defaults = _DIRECTIVE_DEFAULTS.get(self.merged_spec_directives.get(d.name, ("", ""))[1], {})
        for k, v in defaults.items():
            args.setdefault(k, v)
        if d.name in self.composed_defs:
            for a in self.composed_defs[d.name].args.values():
                if a.name not in args and a.default is not None:
                    args[a.name] = value_to_py(a.default)
        return args

    def _application_key(self, d: Directive) -> Any:
        return value_key(self._args_with_defaults(d))

    # ================================================================ @interfaceObject

    def _add_missing_interface_object_fields(self) -> None:
        for t in list(self.merged.types.values()):
            if t.kind != "OBJECT":
                continue
            for itf_name in t.interfaces:
                itf = self.merged.types.get(itf_name)
                if itf is None:
                    continue
                for itf_field in list(itf.fields.values()):
                    existing = t.fields.get(itf_field.name)
                    if existing is not None:
                        # A field an implementation only declares @external (to @require it) is
                        # really defined by the @interfaceObject: its directives (e.g. @tag) apply.
                        joins = [d for d in existing.directives if d.name == "join__field"]
                        if (
                            joins
                            and all(d.arg_value("external") is True for d in joins)
                            and self._provided_by_interface_object(itf_field.name, itf_name)
                        ):
                            self._copy_non_join_directives(t, itf_field, existing)
                        continue
                    if not self._provided_by_interface_object(itf_field.name, itf_name):
                        continue
                    new = Field(itf_field.name, itf_field.type, description=itf_field.description)
                    self._copy_non_join_directives(t, itf_field, new)
                    for a in itf_field.args.values():
                        new.args[a.name] = InputValue(
                            a.name,
                            a.type,
                            a.default,
                            a.description,
                            [Directive(d.name, dict(d.args)) for d in a.directives if not d.name.startswith("join__")],
                        )
                    new.directives.append(Directive("join__field", {}))
                    t.fields[new.name] = new
                    self._validate_field_sharing([None] * self.n, t, new, FieldMergeContext())

    def _copy_non_join_directives(self, parent: TypeDef, source: Field, dest: Field) -> None:
        for spec_name, sg_name in self.access_control:
            extra = self._access_control_sources().get(f"{parent.name}.{dest.name}_{spec_name}", [])
            if extra:
                self._merge_applied_directive(sg_name, extra, dest)
        ac_names = {n for _s, n in self.access_control}
        for d in source.directives:
            if d.name.startswith("join__") or d.name in ac_names:
                continue
            dest.directives.append(Directive(d.name, dict(d.args)))

    def _provided_by_interface_object(self, field_name: str, itf_name: str) -> bool:
        for sg in self.subgraphs:
            t = sg.schema.types.get(itf_name)
            if t is None or not sg.is_interface_object(t):
                continue
            f = t.fields.get(field_name)
            if f is not None and not sg.is_external(itf_name, f):
                return True
        return False

    # ================================================================ post merge

    def _post_merge_validations(self) -> None:
        for t in self.merged.types.values():
            if t.kind not in ("OBJECT", "INTERFACE"):
                continue
            for itf_name in t.interfaces:
                itf = self.merged.types.get(itf_name)
                if itf is None:
                    continue
                for itf_field in itf.fields.values():
                    if itf_field.name in t.fields:
                        continue
                    with_field = [
                        sg.name
                        for sg in self.subgraphs
                        if (x := sg.schema.types.get(itf_name)) is not None
                        and x.kind == "INTERFACE"
                        and itf_field.name in x.fields
                    ]
                    implementing = [
                        sg.name
                        for sg in self.subgraphs
                        if (x := sg.schema.types.get(t.name)) is not None and itf_name in x.interfaces
                    ]
                    self.err(
                        "INTERFACE_FIELD_NO_IMPLEM",
                        f'Interface field "{itf_name}.{itf_field.name}" is declared in {print_subgraph_names(with_field)} but type "{t.name}", '
                        f'which implements "{itf_name}" only in {print_subgraph_names(implementing)} does not have field "{itf_field.name}".',
                        with_field + implementing,
                        f"{t.name}.{itf_field.name}",
                    )
        # @requires must stay valid against the supergraph (arguments merge by intersection).
        for sg in self.subgraphs:
            requires = sg.dname("requires")
            for t in sg.schema.types.values():
                for f in t.fields.values():
                    for d in f.directives:
                        if d.name != requires:
                            continue
                        text = d.arg_value("fields")
                        if not isinstance(text, str) or t.name not in self.merged.types:
                            continue
                        try:
                            resolve_field_set(self.merged, t.name, text)
                        except FieldSetError as exc:
                            self.err(
                                "REQUIRES_INVALID_FIELDS",
                                f'[{sg.name}] On field "{t.name}.{f.name}", for {print_directive(d)}: {exc}',
                                [sg.name],
                                f"{t.name}.{f.name}",
                            )
        if self.access_control and (self.fields_with_requires or self.fields_with_from_context):
            from router.composition.auth_check import validate_transitive_auth

            self.errors.extend(validate_transitive_auth(self))


class _SchemaDirectives:
    """Lets the schema definition be merged like any element carrying directives."""

    def __init__(self, schema: Schema):
        self.directives = schema.schema_directives


_DISALLOWED_COMPOSE_IDENTITIES = {
    "https://specs.apollo.dev/core",
    specs.JOIN_IDENTITY,
    specs.LINK_IDENTITY,
    specs.TAG_IDENTITY,
    specs.INACCESSIBLE_IDENTITY,
    specs.FEDERATION_IDENTITY,
    specs.AUTHENTICATED_IDENTITY,
    specs.REQUIRES_SCOPES_IDENTITY,
    "https://specs.apollo.dev/source",
    specs.CONTEXT_IDENTITY,
    specs.COST_IDENTITY,
}


def _feature_of(sg: Subgraph, directive_name: str) -> tuple[Any, str | None]:
    """The @link (other than link's own) a directive name comes from, with its name in that spec."""
    for link in sg.links:
        if link.url.identity == specs.LINK_IDENTITY:
            continue
        source = link.directive_source(directive_name)
        if source is not None:
            return link, source
    return None, None


def _used_directive_names(schema: Schema) -> set[str]:
    used: set[str] = set()
    for d in schema.schema_directives:
        used.add(d.name)
    for t in schema.types.values():
        used.update(d.name for d in t.directives)
        for f in t.fields.values():
            used.update(d.name for d in f.directives)
            for a in f.args.values():
                used.update(d.name for d in a.directives)
        for f in t.input_fields.values():
            used.update(d.name for d in f.directives)
        for v in t.values.values():
            used.update(d.name for d in v.directives)
    for dd in schema.directive_defs.values():
        for a in dd.args.values():
            used.update(d.name for d in a.directives)
    return used


def _value_eq(a: gast.ValueNode | None, b: gast.ValueNode | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return value_key(value_to_py(a)) == value_key(value_to_py(b))


def _dnf_conjunction(values: list[Any]) -> Any:
    lists = [v if v else [[]] for v in values if v is not None]
    if not lists:
        return None
    normalized = []
    seen = set()
    for v in lists:
        v = sorted((sorted(inner) for inner in v), key=lambda x: str(x))
        key = repr(v)
        if key not in seen:
            seen.add(key)
            normalized.append(v)
    result = normalized[0]
    for current in normalized[1:]:
        acc = []
        keys = set()
        for a in result:
            for c in current:
                candidate = sorted(a + [e for e in c if e not in a])
                k = repr(candidate)
                if k not in keys:
                    keys.add(k)
                    acc.append(candidate)
        acc.sort(key=len)
        deduped: list[list[str]] = []
        for cand in acc:
            if not any(all(e in cand for e in r) for r in deduped):
                deduped.append(cand)
        result = deduped
    return result


def _max(values):
    vals = [v for v in values if v is not None]
    return max(vals) if vals else None


def _union(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    result: list[Any] = []
    for v in vals:
        for x in v:
            if value_key(x) not in [value_key(r) for r in result]:
                result.append(x)
    return result


def _and(values):
    vals = [v for v in values if v is not None]
    return all(vals) if vals else None


_ARGUMENT_MERGERS: dict[str, list[tuple[str, Callable[[list[Any]], Any]]]] = {
    "requiresScopes": [("scopes", _dnf_conjunction)],
    "policy": [("policies", _dnf_conjunction)],
    "cost": [("weight", _max)],
    "listSize": [
        ("assumedSize", _max),
        ("slicingArguments", _union),
        ("sizedFields", _union),
        ("requireOneSlicingArgument", _and),
    ],
}

_DIRECTIVE_DEFAULTS: dict[str, dict[str, Any]] = {"listSize": {"requireOneSlicingArgument": True}}


def merge_subgraphs(subgraphs: list[Subgraph]) -> MergeResult:
    return Merger(subgraphs).merge()


__all__ = ["merge_subgraphs", "MergeResult", "Merger", "SpecLink", "graph_enum_names"]
