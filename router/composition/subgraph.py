"""A subgraph as composition sees it: its schema model plus federation metadata
(which @link names which directive, what is external, shareable, used...).

Building a subgraph parses the SDL, resolves ``@link`` imports and renames
(fed 2) or recognises a federation 1 schema, checks it is valid GraphQL with
graphql-core's SDL rules, and normalises root type names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from graphql import GraphQLError, GraphQLSyntaxError
from graphql.language import ast as gast
from graphql.validation.rules.known_type_names import KnownTypeNamesRule
from graphql.validation.rules.possible_type_extensions import PossibleTypeExtensionsRule
from graphql.validation.specified_rules import specified_sdl_rules
from graphql.validation.validate import validate_sdl

from router.composition import specs
from router.composition.errors import CompositionError, CompositionFailed
from router.composition.fieldset import collect_target_fields
from router.composition.model import (
    BUILTIN_SCALARS,
    DEFAULT_ROOT_NAMES,
    ROOT_KINDS,
    Directive,
    Field,
    InputValue,
    ListRef,
    NamedRef,
    NonNullRef,
    Schema,
    TypeDef,
    TypeRef,
    base_name,
    value_to_py,
)
from router.composition.sdl import build_schema_model, parse_sdl
from router.composition.specs import FeatureUrl, Version

_SDL_RULES = [r for r in specified_sdl_rules if r not in (KnownTypeNamesRule, PossibleTypeExtensionsRule)]


@dataclass
class LinkFeature:
    """One ``@link`` of a subgraph: how the spec's elements are named in it."""

    url: FeatureUrl
    name_in_schema: str
    imports: list[tuple[str, str | None]] = field(default_factory=list)  # (name, alias); "@x" for directives
    purpose: str | None = None

    def directive_name(self, spec_name: str) -> str:
        for name, alias in self.imports:
            if name == "@" + spec_name:
                return (alias or name)[1:]
        if spec_name == self.url.name:
            return self.name_in_schema
        return f"{self.name_in_schema}__{spec_name}"

    def type_name(self, spec_name: str) -> str:
        for name, alias in self.imports:
            if name == spec_name:
                return alias or name
        return f"{self.name_in_schema}__{spec_name}"

    def directive_source(self, schema_name: str) -> str | None:
        """The spec name of directive ``@schema_name`` if it belongs to this feature."""
        for name, alias in self.imports:
            if name.startswith("@") and (alias or name)[1:] == schema_name:
                return name[1:]
        if schema_name == self.name_in_schema:
            return self.url.name
        prefix = self.name_in_schema + "__"
        if schema_name.startswith(prefix):
            return schema_name[len(prefix) :]
        return None

    def owns_type(self, type_name: str) -> bool:
        return type_name.startswith(self.name_in_schema + "__") or any(
            (alias or name) == type_name for name, alias in self.imports if not name.startswith("@")
        )


@dataclass
class Subgraph:
    name: str
    url: str
    schema: Schema
    fed2: bool
    fed_version: Version
    links: list[LinkFeature] = field(default_factory=list)
    upgraded_from_fed1: bool = False
    # directive names that belong to federation/link machinery (never merged)
    machinery_directives: set[str] = field(default_factory=set)
    # problems only reported when upgrading a federation 1 subgraph
    upgrade_errors: list[CompositionError] = field(default_factory=list)

    # ------------------------------------------------------------ naming

    @cached_property
    def fed_link(self) -> LinkFeature | None:
        return next((l for l in self.links if l.url.identity == specs.FEDERATION_IDENTITY), None)

    @cached_property
    def _dnames(self) -> dict[str, str]:
        link = self.fed_link
        return {d.name: (link.directive_name(d.name) if link else d.name) for d in specs.FEDERATION_DIRECTIVES}

    def dname(self, spec_name: str) -> str:
        """Name, in this subgraph, of federation directive ``@spec_name``."""
        name = self._dnames.get(spec_name)
        if name is None:
            link = self.fed_link
            return link.directive_name(spec_name) if link else spec_name
        return name

    def directive_source(self, schema_name: str) -> tuple[str, str, Version] | None:
        """(spec identity, name in spec, spec version) of a directive name, if it comes
        from a linked spec. Federation sub-specs report their own identity."""
        for link in self.links:
            source = link.directive_source(schema_name)
            if source is None:
                continue
            if link.url.identity == specs.FEDERATION_IDENTITY:
                spec = specs.FEDERATION_DIRECTIVES_BY_NAME.get(source)
                if spec is None or spec.since > self.fed_version:
                    return None
                if spec.composes_as is not None:
                    version = specs.SUPERGRAPH_SPECS[spec.composes_as].version
                    return spec.composes_as, source, version
                return specs.FEDERATION_IDENTITY, source, link.url.version
            return link.url.identity, source, link.url.version
        if self.fed_link is None:
            if schema_name in specs.FED1_UPGRADE_IMPORTS or schema_name in specs.FED1_DIRECTIVE_NAMES:
                spec = specs.FEDERATION_DIRECTIVES_BY_NAME[schema_name]
                if spec.composes_as is not None:
                    return spec.composes_as, schema_name, specs.SUPERGRAPH_SPECS[spec.composes_as].version
                return specs.FEDERATION_IDENTITY, schema_name, self.fed_version
        return None

    # ------------------------------------------------------------ directive access

    def has(self, element: TypeDef | Field | InputValue, spec_name: str) -> bool:
        name = self.dname(spec_name)
        return any(d.name == name for d in element.directives)

    def applied(self, element: TypeDef | Field | InputValue, spec_name: str) -> list[Directive]:
        name = self.dname(spec_name)
        return [d for d in element.directives if d.name == name]

    def keys(self, t: TypeDef) -> list[Directive]:
        return self.applied(t, "key")

    def is_interface_object(self, t: TypeDef) -> bool:
        return t.kind == "OBJECT" and self.fed_version >= (2, 3) and self.has(t, "interfaceObject")

    def is_entity(self, t: TypeDef) -> bool:
        return bool(self.keys(t))

    # ------------------------------------------------------------ external / shareable / used

    def invalidate(self) -> None:
        for attr in ("_fake_externals", "_provided", "_externals_on_type", "_shareables", "_used_fields"):
            self.__dict__.pop(attr, None)

    @cached_property
    def _fake_externals(self) -> set[tuple[str, str]]:
        """Key fields of fed1-style extensions marked @external (not really external)."""
        result: set[tuple[str, str]] = set()
        external = self.dname("external")
        for t in self.schema.types.values():
            if t.kind not in ("OBJECT", "INTERFACE"):
                continue
            for key in self.keys(t):
                if not (key.extension or self.has(t, "extends")):
                    continue
                fields = key.field_set()
                if not isinstance(fields, str):
                    continue
                for type_name, field_name in collect_target_fields(self.schema, t.name, fields, False):
                    f = self.schema.field(type_name, field_name)
                    if f is not None and any(d.name == external for d in f.directives):
                        result.add((type_name, field_name))
        return result

    @cached_property
    def _provided(self) -> set[tuple[str, str]]:
        result: set[tuple[str, str]] = set()
        for t in self.schema.types.values():
            for f in t.fields.values():
                for p in self.applied(f, "provides"):
                    target = self.schema.types.get(base_name(f.type))
                    fields = p.field_set()
                    if target is not None and target.is_composite and isinstance(fields, str):
                        result.update(collect_target_fields(self.schema, target.name, fields, True))
        return result

    @cached_property
    def _externals_on_type(self) -> set[tuple[str, str]]:
        result: set[tuple[str, str]] = set()
        if not self.fed2:
            return result
        for t in self.schema.types.values():
            if t.kind == "OBJECT" and self.has(t, "external"):
                result.update((t.name, f) for f in t.fields)
        return result

    def is_external(self, type_name: str, f: Field | InputValue) -> bool:
        marked = any(d.name == self.dname("external") for d in f.directives) or (
            (type_name, f.name) in self._externals_on_type
        )
        return marked and (type_name, f.name) not in self._fake_externals

    def is_fake_external(self, type_name: str, field_name: str) -> bool:
        return (type_name, field_name) in self._fake_externals

    def is_partially_external(self, type_name: str, f: Field) -> bool:
        return self.is_external(type_name, f) and (type_name, f.name) in self._provided

    def is_fully_external(self, type_name: str, f: Field) -> bool:
        return self.is_external(type_name, f) and (type_name, f.name) not in self._provided

    @cached_property
    def _shareables(self) -> set[tuple[str, str]]:
        result: set[tuple[str, str]] = set()
        shareable = self.dname("shareable") if self.fed2 else None

        def add_keys(t: TypeDef) -> None:
            for key in self.keys(t):
                fields = key.field_set()
                if isinstance(fields, str):
                    result.update(collect_target_fields(self.schema, t.name, fields, True))

        for t in self.schema.types.values():
            if t.kind == "OBJECT":
                add_keys(t)
                type_shareables = [d for d in t.directives if d.name == shareable] if shareable else []
                for f in t.fields.values():
                    if shareable and any(d.name == shareable for d in f.directives):
                        result.add((t.name, f.name))
                    elif any(d.extension == f.extension for d in type_shareables):
                        result.add((t.name, f.name))
                    for p in self.applied(f, "provides"):
                        target = self.schema.types.get(base_name(f.type))
                        fields = p.field_set()
                        if target is not None and target.is_composite and isinstance(fields, str):
                            for tn, fn in collect_target_fields(self.schema, target.name, fields, True):
                                tf = self.schema.field(tn, fn)
                                if tf is not None and self.is_external(tn, tf):
                                    result.add((tn, fn))
            elif t.kind == "INTERFACE":
                add_keys(t)
        return result

    def is_shareable(self, type_name: str, field_name: str) -> bool:
        return (type_name, field_name) in self._shareables

    @cached_property
    def _used_fields(self) -> set[tuple[str, str]]:
        used: set[tuple[str, str]] = set()
        for t in self.schema.types.values():
            if t.kind in ("OBJECT", "INTERFACE"):
                for key in self.keys(t):
                    fields = key.field_set()
                    if isinstance(fields, str):
                        used.update(collect_target_fields(self.schema, t.name, fields, True))
                for f in t.fields.values():
                    for r in self.applied(f, "requires"):
                        fields = r.field_set()
                        if isinstance(fields, str):
                            used.update(collect_target_fields(self.schema, t.name, fields, True))
                    for p in self.applied(f, "provides"):
                        target = self.schema.types.get(base_name(f.type))
                        fields = p.field_set()
                        if target is not None and target.is_composite and isinstance(fields, str):
                            used.update(collect_target_fields(self.schema, target.name, fields, True))
        self._collect_from_context_used(used)
        for itf in self.schema.types.values():
            if itf.kind != "INTERFACE":
                continue
            for impl in self.schema.possible_runtime_types(itf.name):
                it = self.schema.types[impl]
                for fname in itf.fields:
                    if fname in it.fields:
                        used.add((impl, fname))
        return used

    def _collect_from_context_used(self, used: set[tuple[str, str]]) -> None:
        if self.fed_version < (2, 8):
            return
        context_name = self.dname("context")
        from_context = self.dname("fromContext")
        entry_points: dict[str, list[str]] = {}
        for t in self.schema.types.values():
            for d in t.directives:
                if d.name == context_name:
                    entry_points.setdefault(str(d.arg_value("name")), []).append(t.name)
        if not entry_points:
            return
        from router.composition.validate_subgraph import parse_context

        for t in self.schema.types.values():
            for f in t.fields.values():
                for arg in f.args.values():
                    for d in arg.directives:
                        if d.name != from_context:
                            continue
                        context, selection = parse_context(str(d.arg_value("field") or ""))
                        if context is None or selection is None:
                            continue
                        for ctx_type in entry_points.get(context, []):
                            used.update(collect_target_fields(self.schema, ctx_type, selection, True))

    def is_field_used(self, type_name: str, field_name: str) -> bool:
        return (type_name, field_name) in self._used_fields


# ====================================================================== building


def build_subgraph(name: str, url: str, sdl: str) -> Subgraph:
    """Parse and check one subgraph; raises ``CompositionFailed`` on invalid input."""
    if name == "_":
        raise CompositionFailed(
            [CompositionError("INVALID_SUBGRAPH_NAME", "Invalid name _ for a subgraph: this name is reserved", [name])]
        )
    try:
        document = parse_sdl(sdl)
    except GraphQLSyntaxError as exc:
        raise CompositionFailed([_err(name, "INVALID_GRAPHQL", exc.message)]) from exc

    links, link_errors = _read_links(name, document)
    if link_errors:
        raise CompositionFailed(link_errors)
    fed_link = next((l for l in links if l.url.identity == specs.FEDERATION_IDENTITY), None)
    fed2 = fed_link is not None
    if fed_link is not None:
        fed_version = fed_link.url.version
        if fed_version not in specs.KNOWN_FEDERATION_VERSIONS:
            unknown = _err(
                name,
                "UNKNOWN_FEDERATION_LINK_VERSION",
                f"Invalid version v{fed_version[0]}.{fed_version[1]} for the federation feature in @link directive on schema",
            )
            # Apollo still validates the schema, now without any federation definition.
            completed, _, _ = _complete_document(document, links, None, True, fed_version, with_federation=False)
            raise CompositionFailed(
                [unknown]
                + [_err(name, "INVALID_GRAPHQL", _improve_message(e, None, False)) for e in validate_sdl(completed, rules=_SDL_RULES)]
            )
        import_errors = _check_federation_imports(name, fed_link)
        if import_errors:
            raise CompositionFailed(import_errors)
    else:
        fed_version = specs.FED1_UPGRADE_VERSION

    conflict = _tag_inaccessible_link_conflict(links, fed_link)
    if conflict and fed2:
        raise CompositionFailed([_err(name, "INVALID_LINK_DIRECTIVE_USAGE", conflict)])
    type_errors = _check_user_type_definitions(document, links, fed_link)
    if type_errors:
        raise CompositionFailed([_err(name, "TYPE_DEFINITION_INVALID", m) for m in type_errors])
    definition_errors = _check_user_definitions(document, links, fed_link, fed_version, upgrade=False)
    if definition_errors:
        raise CompositionFailed([_err(name, "DIRECTIVE_DEFINITION_INVALID", m) for m in definition_errors])
    # federation 1: definitions clashing with what the upgrade imports fail at upgrade time
    upgrade_errors = [
        _err(name, "DIRECTIVE_DEFINITION_INVALID", m)
        for m in (_check_user_definitions(document, links, fed_link, fed_version, upgrade=True) if not fed2 else [])
    ]
    completed, machinery_directives, machinery_types = _complete_document(document, links, fed_link, fed2, fed_version)
    errors = [
        _err(name, "INVALID_GRAPHQL", _improve_message(e, fed_link, fed2))
        for e in validate_sdl(completed, rules=_SDL_RULES)
    ]
    schema = build_schema_model(completed)
    errors.extend(_err(name, "INVALID_GRAPHQL", m) for m in _known_type_errors(schema))
    if errors:
        raise CompositionFailed(errors)
    if conflict:  # federation 1: found when upgrading, after GraphQL validation
        raise CompositionFailed([_err(name, "INVALID_LINK_DIRECTIVE_USAGE", conflict)])

    for type_name in machinery_types:
        schema.types.pop(type_name, None)
    for type_name in specs.FEDERATION_OPERATION_TYPES:
        schema.types.pop(type_name, None)
    for link in links:
        if link.url.identity in (specs.FEDERATION_IDENTITY, specs.LINK_IDENTITY, specs.CORE_IDENTITY):
            for type_name in [t for t in schema.types if link.owns_type(t)]:
                schema.types.pop(type_name, None)
    query = schema.types.get(schema.roots.get("query", "Query"))
    if query is not None:
        for fname in specs.FEDERATION_OPERATION_FIELDS:
            query.fields.pop(fname, None)

    errors = _rename_roots(name, schema)
    if "query" not in schema.roots and "Query" not in schema.types:
        # Every subgraph has a query type (Apollo adds one for _entities/_service).
        schema.types["Query"] = TypeDef(kind="OBJECT", name="Query", has_definition=True)
        schema.roots["query"] = "Query"
    errors.extend(
        _err(name, "INVALID_GRAPHQL", m)
        for m in validate_schema_shape(schema)
        if not (m == f"Type {schema.roots.get('query')} must define one or more fields.")
    )
    if errors:
        raise CompositionFailed(errors)
    return Subgraph(
        name=name,
        url=url,
        schema=schema,
        fed2=fed2,
        fed_version=fed_version,
        links=links,
        machinery_directives=machinery_directives,
        upgrade_errors=upgrade_errors,
    )


def _err(subgraph: str, code: str, message: str, element: str | None = None) -> CompositionError:
    return CompositionError(code, f"[{subgraph}] {message}", [subgraph], element)


def _read_links(subgraph: str, document: gast.DocumentNode) -> tuple[list[LinkFeature], list[CompositionError]]:
    links: list[LinkFeature] = []
    errors: list[CompositionError] = []
    link_name = "link"
    schema_directives: list[gast.ConstDirectiveNode] = []
    for definition in document.definitions:
        if isinstance(definition, gast.SchemaDefinitionNode | gast.SchemaExtensionNode):
            schema_directives.extend(definition.directives or ())
    # The link spec itself may be renamed: @link(url: ".../link/v1.0", as: "mylink").
    for d in schema_directives:
        args = {a.name.value: value_to_py(a.value) for a in d.arguments or ()}
        url = args.get("url")
        if isinstance(url, str) and url.startswith(specs.LINK_IDENTITY + "/") and isinstance(args.get("as"), str):
            link_name = args["as"]
    invalid: list[CompositionError] = []
    for d in schema_directives:
        if d.name.value != link_name:
            continue
        url_node = next((a.value for a in d.arguments or () if a.name.value == "url"), None)
        if not isinstance(url_node, gast.StringValueNode):
            continue
        args = {a.name.value: value_to_py(a.value) for a in d.arguments or ()}
        url = url_node.value
        parsed = specs.parse_feature_url(url)
        if parsed is None:
            last = url.rstrip("/").rsplit("/", 1)[-1]
            invalid.append(
                _err(subgraph, "INVALID_LINK_IDENTIFIER", f"Expected a version string (of the form v1.2), got {last}")
            )
            continue
        imports: list[tuple[str, str | None]] = []
        for item in args.get("import") or []:
            if isinstance(item, str):
                imports.append((item, None))
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                alias = item.get("as")
                if alias is not None and (alias.startswith("@") != item["name"].startswith("@")):
                    errors.append(
                        _err(
                            subgraph,
                            "INVALID_LINK_DIRECTIVE_USAGE",
                            f'Invalid @link import renaming: "{item["name"]}" cannot be renamed to "{alias}"',
                        )
                    )
                imports.append((item["name"], alias))
            else:
                errors.append(
                    _err(subgraph, "INVALID_LINK_DIRECTIVE_USAGE", f"Invalid sub-value {item!r} for @link(import:) argument")
                )
        alias = args.get("as")
        purpose = args.get("for")
        if any(l.url.identity == parsed.identity for l in links):
            errors.append(
                _err(
                    subgraph,
                    "INVALID_LINK_DIRECTIVE_USAGE",
                    f'Cannot link feature "{parsed.identity}" since it has already been linked in the schema.',
                )
            )
            continue
        links.append(LinkFeature(parsed, alias if isinstance(alias, str) else parsed.name, imports, purpose))
    if any(l.url.identity == specs.FEDERATION_IDENTITY for l in links):
        errors.extend(invalid)  # federation 1 schemas ignore links they cannot read
    if links and not any(l.url.identity == specs.LINK_IDENTITY for l in links):
        links.insert(0, LinkFeature(specs.parse_feature_url(specs.LINK_IDENTITY + "/v1.0"), link_name))  # type: ignore[arg-type]
    return links, errors


def _check_federation_imports(subgraph: str, link: LinkFeature) -> list[CompositionError]:
    version = link.url.version
    known = {"@" + d.name for d in specs.directives_for_version(version)}
    known.update(t for t, since in specs.FEDERATION_TYPES.items() if since <= version)
    errors = []
    for name, _alias in link.imports:
        if name not in known:
            detail = f' Did you mean directive "@{name}"?' if not name.startswith("@") and "@" + name in known else ""
            errors.append(
                _err(subgraph, "INVALID_LINK_DIRECTIVE_USAGE", f'Cannot import unknown element "{name}".{detail}')
            )
    return errors


def _complete_document(
    document: gast.DocumentNode,
    links: list[LinkFeature],
    fed_link: LinkFeature | None,
    fed2: bool,
    fed_version: Version,
    with_federation: bool = True,
) -> tuple[gast.DocumentNode, set[str], set[str]]:
    """Add the definitions the linked specs provide, so SDL validation knows them."""
    defined_directives = {d.name.value for d in document.definitions if isinstance(d, gast.DirectiveDefinitionNode)}
    defined_types = {
        d.name.value for d in document.definitions if isinstance(d, gast.TypeDefinitionNode)
    }
    extra: list[str] = []
    machinery_directives: set[str] = set()
    machinery_types: set[str] = set()
    drop: set[str] = set()

    def add_type(name: str, text: str) -> None:
        machinery_types.add(name)
        if name not in defined_types:
            defined_types.add(name)
            extra.append(text)

    def add_directive(name: str, text: str, machinery: bool = True) -> None:
        if machinery:
            machinery_directives.add(name)
        if name not in defined_directives:
            defined_directives.add(name)
            extra.append(text)

    if fed2:
        link_link = next(l for l in links if l.url.identity == specs.LINK_IDENTITY)
        purpose = link_link.type_name("Purpose")
        import_type = link_link.type_name("Import")
        add_type(import_type, f"scalar {import_type}")
        add_type(purpose, f"enum {purpose} {{ SECURITY EXECUTION }}")
        add_directive(
            link_link.name_in_schema,
            f"directive @{link_link.name_in_schema}(url: String, as: String, for: {purpose}, import: [{import_type}]) repeatable on SCHEMA",
        )
    if fed2 and with_federation:
        assert fed_link is not None
        type_names = {t: fed_link.type_name(t) for t in specs.FEDERATION_TYPES}
        for t, since in specs.FEDERATION_TYPES.items():
            if since <= fed_version:
                add_type(type_names[t], f"scalar {type_names[t]}")
        for spec in specs.directives_for_version(fed_version):
            schema_name = fed_link.directive_name(spec.name)
            composed = spec.composes_as is not None
            add_directive(schema_name, _directive_text(schema_name, spec, type_names, fed_version), not composed)
        for link in links:
            if link.url.identity in specs.DIRECTLY_LINKABLE_COMPOSED:
                for spec_name in specs.DIRECTLY_LINKABLE_COMPOSED[link.url.identity] | (
                    {"fromContext"} if link.url.identity == specs.CONTEXT_IDENTITY else set()
                ):
                    spec = specs.FEDERATION_DIRECTIVES_BY_NAME[spec_name]
                    names = {t: link.type_name(t) for t in specs.FEDERATION_TYPES}
                    for t in ("Scope", "Policy", "ContextFieldValue"):
                        if t in spec.args[0].type if spec.args else False:
                            add_type(names[t], f"scalar {names[t]}")
                    schema_name = link.directive_name(spec_name)
                    add_directive(schema_name, _directive_text(schema_name, spec, names, fed_version), False)
    elif not fed2:
        add_type("_FieldSet", "scalar _FieldSet")
        type_names = {"FieldSet": "_FieldSet"}
        # Apollo replaces the historical (often invalid) fed1 definitions of these three.
        drop = {
            d.name.value
            for d in document.definitions
            if isinstance(d, gast.DirectiveDefinitionNode)
            and d.name.value in ("key", "requires", "provides")
            and (
                not d.arguments
                or (
                    len(d.arguments) == 1
                    and d.arguments[0].name.value == "fields"
                    and gast_type_text(d.arguments[0].type) in _FED1_KNOWN_BAD_FIELD_TYPES
                )
            )
        }
        defined_directives -= drop
        for spec_name in specs.FED1_DIRECTIVE_NAMES:
            spec = specs.FEDERATION_DIRECTIVES_BY_NAME[spec_name]
            add_directive(spec_name, _directive_text(spec_name, spec, type_names, (2, 0)), spec.composes_as is None)
        for link in links:  # fed1 schemas may still @link e.g. the inaccessible spec
            if link.url.identity in specs.DIRECTLY_LINKABLE_COMPOSED:
                for spec_name in specs.DIRECTLY_LINKABLE_COMPOSED[link.url.identity]:
                    spec = specs.FEDERATION_DIRECTIVES_BY_NAME[spec_name]
                    schema_name = link.directive_name(spec_name)
                    add_directive(schema_name, _directive_text(schema_name, spec, type_names, (2, 0)), False)
        if links or _applies_link(document):
            add_type("link__Import", "scalar link__Import")
            add_type("link__Purpose", "enum link__Purpose { SECURITY EXECUTION }")
            add_directive(
                "link",
                "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA",
            )
    for name in ("_Any", "_Entity", "_Service"):
        machinery_types.add(name)
    definitions = [
        d
        for d in document.definitions
        if not (isinstance(d, gast.DirectiveDefinitionNode) and d.name.value in drop)
    ]
    if extra:
        definitions.extend(parse_sdl("\n".join(extra)).definitions)
    return gast.DocumentNode(definitions=tuple(definitions)), machinery_directives, machinery_types


def _check_user_type_definitions(
    document: gast.DocumentNode, links: list[LinkFeature], fed_link: LinkFeature | None
) -> list[str]:
    """User definitions of spec types (link__Purpose, FieldSet...) must match the spec."""
    errors: list[str] = []
    link_link = next((l for l in links if l.url.identity == specs.LINK_IDENTITY), None)
    expected_scalars = {}
    if fed_link is not None:
        expected_scalars = {fed_link.type_name(t): t for t in specs.FEDERATION_TYPES}
    purpose = link_link.type_name("Purpose") if link_link is not None and fed_link is not None else None
    for d in document.definitions:
        if not isinstance(d, gast.TypeDefinitionNode):
            continue
        name = d.name.value
        if purpose is not None and name == purpose:
            if not isinstance(d, gast.EnumTypeDefinitionNode):
                errors.append(f'Invalid definition for type "Purpose": "{name}" should be an enum')
                continue
            values = sorted(v.name.value for v in d.values or ())
            if values != ["EXECUTION", "SECURITY"]:
                errors.append(
                    f'Invalid definition for type "Purpose": expected values [EXECUTION, SECURITY] but found [{", ".join(values)}].'
                )
        elif name in expected_scalars and not isinstance(d, gast.ScalarTypeDefinitionNode):
            errors.append(f'Invalid definition for type {expected_scalars[name]}: "{name}" should be a scalar')
    return errors


def _applies_link(document: gast.DocumentNode) -> bool:
    return any(
        d.name.value == "link"
        for definition in document.definitions
        if isinstance(definition, gast.SchemaDefinitionNode | gast.SchemaExtensionNode)
        for d in definition.directives or ()
    )


def _tag_inaccessible_link_conflict(links: list[LinkFeature], fed_link: LinkFeature | None) -> str | None:
    """Linking the tag/inaccessible specs directly while the federation link also
    names @tag/@inaccessible the same way is ambiguous; Apollo rejects it."""
    for identity, directive in ((specs.TAG_IDENTITY, "tag"), (specs.INACCESSIBLE_IDENTITY, "inaccessible")):
        link = next((l for l in links if l.url.identity == identity), None)
        if link is None:
            continue
        fed_name = fed_link.directive_name(directive) if fed_link is not None else directive
        if fed_name == link.directive_name(directive):
            return (
                f'Please import "@{directive}" from the feature "{specs.FEDERATION_IDENTITY}" instead of using '
                f'"{identity}" to avoid potential unexpected behavior in the future.'
            )
    return None


_FED1_KNOWN_BAD_FIELD_TYPES = ("String", "_FieldSet", "FieldSet")


def _check_user_definitions(
    document: gast.DocumentNode,
    links: list[LinkFeature],
    fed_link: LinkFeature | None,
    fed_version: Version,
    upgrade: bool = False,
) -> list[str]:
    """User redefinitions of spec directives must be compatible with the spec."""
    user_defs = {d.name.value: d for d in document.definitions if isinstance(d, gast.DirectiveDefinitionNode)}
    if not user_defs:
        return []
    expected: list[tuple[str, specs.DirectiveSpec, dict[str, str], Version]] = []
    if fed_link is not None:
        type_names = {t: fed_link.type_name(t) for t in specs.FEDERATION_TYPES}
        for spec in specs.directives_for_version(fed_version):
            expected.append((fed_link.directive_name(spec.name), spec, type_names, fed_version))
    else:
        type_names = {t: "_" + t for t in specs.FEDERATION_TYPES}
        for spec_name in specs.FED1_UPGRADE_IMPORTS:
            if (spec_name in specs.FED1_DIRECTIVE_NAMES) == upgrade:
                continue
            spec = specs.FEDERATION_DIRECTIVES_BY_NAME[spec_name]
            node = user_defs.get(spec_name)
            if spec_name in ("key", "requires", "provides") and node is not None:
                args = list(node.arguments or ())
                fields = next((a for a in args if a.name.value == "fields"), None)
                field_type = gast_type_text(fields.type) if fields is not None else None
                if not args or (len(args) == 1 and field_type in _FED1_KNOWN_BAD_FIELD_TYPES):
                    continue  # Apollo replaces these historical definitions with its own
            expected.append((spec_name, spec, type_names, (2, 4)))
    errors: list[str] = []
    for schema_name, spec, names, version in expected:
        node = user_defs.get(schema_name)
        if node is not None:
            errors.extend(_compare_definition(node, spec, names, version))
    return errors


def gast_type_text(node: gast.TypeNode) -> str:
    from graphql import print_ast

    return print_ast(node)


def _compare_definition(
    node: gast.DirectiveDefinitionNode, spec: specs.DirectiveSpec, type_names: dict[str, str], version: Version
) -> list[str]:
    from router.composition.model import parse_type_ref, type_ref_from_ast

    what = f'directive "@{spec.name}"'
    errors: list[str] = []
    actual_args = {a.name.value: a for a in node.arguments or ()}
    expected_args = [
        a for a in spec.args if not (spec.name == "override" and a.name == "label" and version < (2, 7))
    ]
    custom = set(type_names.values())
    for arg in expected_args:
        arg_type_text = arg.type
        for t, n in type_names.items():
            arg_type_text = arg_type_text.replace("{" + t + "}", n)
        expected_type = parse_type_ref(arg_type_text)
        actual = actual_args.get(arg.name)
        if actual is None:
            if isinstance(expected_type, NonNullRef) and arg.default is None:
                errors.append(f'Invalid definition for {what}: missing required argument "{arg.name}"')
            continue
        actual_type = type_ref_from_ast(actual.type)
        compared = actual_type
        if isinstance(actual_type, NonNullRef) and not isinstance(expected_type, NonNullRef):
            compared = actual_type.of
        if compared != expected_type and not _valid_redefinition(expected_type, compared, custom):
            errors.append(
                f'Invalid definition for {what}: argument "{arg.name}" should have type "{expected_type}" but found type "{actual_type}"'
            )
        elif not isinstance(actual_type, NonNullRef):
            actual_default = value_to_py(actual.default_value) if actual.default_value is not None else None
            expected_default = {"true": True, "false": False}.get(arg.default or "", arg.default)
            if actual_default != expected_default:
                errors.append(
                    f'Invalid definition for {what}: argument "{arg.name}" should have default value {arg.default or "undefined"} but found default value {actual_default}'
                )
    known = {a.name for a in expected_args}
    for name in actual_args:
        if name not in known:
            errors.append(f'Invalid definition for {what}: unknown/unsupported argument "{name}"')
    repeatable = spec.repeatable and not (spec.name == "shareable" and version < (2, 2))
    if not repeatable and node.repeatable:
        errors.append(f'Invalid definition for {what}: "@{spec.name}" should not be repeatable')
    locations = [l.value for l in node.locations]
    if not all(l in spec.locations for l in locations):
        errors.append(
            f'Invalid definition for {what}: "@{spec.name}" should have locations {", ".join(spec.locations)}, but found (non-subset) {", ".join(locations)}'
        )
    return errors


def _valid_redefinition(expected: TypeRef, actual: TypeRef, custom: set[str]) -> bool:
    if isinstance(expected, ListRef):
        return isinstance(actual, ListRef) and _valid_redefinition(expected.of, actual.of, custom)
    if isinstance(expected, NonNullRef):
        return isinstance(actual, NonNullRef) and _valid_redefinition(expected.of, actual.of, custom)
    assert isinstance(expected, NamedRef)
    return expected.name in custom and isinstance(actual, NamedRef) and actual.name not in custom


def _directive_text(schema_name: str, spec: specs.DirectiveSpec, type_names: dict[str, str], version: Version) -> str:
    args = []
    for arg in spec.args:
        if spec.name == "override" and arg.name == "label" and version < (2, 7):
            continue
        if spec.name == "tag" and arg.name == "name":
            pass
        arg_type = arg.type
        for t, n in type_names.items():
            arg_type = arg_type.replace("{" + t + "}", n)
        text = f"{arg.name}: {arg_type}"
        if arg.default is not None:
            text += f" = {arg.default}"
        args.append(text)
    locations = spec.locations
    if spec.name == "tag" and version < (2, 3):
        locations = tuple(l for l in locations if l != "SCHEMA")
    repeatable = spec.repeatable and not (spec.name == "shareable" and version < (2, 2))
    arg_text = f"({', '.join(args)})" if args else ""
    return f"directive @{schema_name}{arg_text}{' repeatable' if repeatable else ''} on {' | '.join(locations)}"


_FED_DIRECTIVE_NAMES = {d.name for d in specs.FEDERATION_DIRECTIVES}


def _improve_message(error: GraphQLError, fed_link: LinkFeature | None, fed2: bool) -> str:
    message = error.message
    if message.startswith("Unknown directive"):
        unknown = message.split('"@', 1)[1].split('"', 1)[0] if '"@' in message else ""
        if unknown in _FED_DIRECTIVE_NAMES:
            if fed2 and fed_link is not None:
                name_in_schema = fed_link.directive_name(unknown)
                if name_in_schema.startswith(fed_link.name_in_schema + "__"):
                    message += (
                        f' If you meant the "@{unknown}" federation directive, you should use fully-qualified name '
                        f'"@{name_in_schema}" or add "@{unknown}" to the `import` argument of the @link to the federation specification.'
                    )
                else:
                    message += (
                        f' If you meant the "@{unknown}" federation directive, you should use "@{name_in_schema}" as it '
                        "is imported under that name in the @link to the federation specification of this schema."
                    )
            else:
                message += (
                    f' If you meant the "@{unknown}" federation 2 directive, note that this schema is a federation 1 schema. '
                    "To be a federation 2 schema, it needs to @link to the federation specifcation v2."
                )
    return message


def _known_type_errors(schema: Schema) -> list[str]:
    known = set(schema.types) | set(BUILTIN_SCALARS)
    errors: list[str] = []
    seen: set[str] = set()

    def check(ref: TypeRef) -> None:
        name = base_name(ref)
        if name not in known and name not in seen:
            seen.add(name)
            errors.append(f'Unknown type "{name}".')

    for t in schema.types.values():
        for f in t.fields.values():
            check(f.type)
            for a in f.args.values():
                check(a.type)
        for f in t.input_fields.values():
            check(f.type)
        for name in t.interfaces + t.members:
            check(NamedRef(name))
    for d in schema.directive_defs.values():
        for a in d.args.values():
            check(a.type)
    for kind, name in schema.roots.items():
        check(NamedRef(name))
    return errors


def _rename_roots(subgraph: str, schema: Schema) -> list[CompositionError]:
    errors: list[CompositionError] = []
    for kind in ROOT_KINDS:
        current = schema.roots.get(kind)
        default = DEFAULT_ROOT_NAMES[kind]
        if current is None or current == default:
            continue
        if default in schema.types:
            errors.append(
                _err(
                    subgraph,
                    f"ROOT_{kind.upper()}_USED",
                    f'The schema has a type named "{default}" but it is not set as the {kind} root type ("{current}" is instead): '
                    "this is not supported by federation. If a root type does not use its default name, there should be no other type with that default name.",
                )
            )
            continue
        rename_type(schema, current, default)
    return errors


def rename_type(schema: Schema, old: str, new: str) -> None:
    def fix(ref: TypeRef) -> TypeRef:
        if isinstance(ref, NamedRef):
            return NamedRef(new) if ref.name == old else ref
        if isinstance(ref, ListRef):
            return ListRef(fix(ref.of))
        return NonNullRef(fix(ref.of))  # type: ignore[arg-type]

    schema.types = {(new if k == old else k): v for k, v in schema.types.items()}
    schema.types[new].name = new
    for other in schema.types.values():
        for f in other.fields.values():
            f.type = fix(f.type)
            for a in f.args.values():
                a.type = fix(a.type)
        for f in other.input_fields.values():
            f.type = fix(f.type)
        other.interfaces = [new if i == old else i for i in other.interfaces]
        other.members = [new if m == old else m for m in other.members]
    for d in schema.directive_defs.values():
        for a in d.args.values():
            a.type = fix(a.type)
    schema.roots = {k: (new if v == old else v) for k, v in schema.roots.items()}


def validate_schema_shape(schema: Schema) -> list[str]:
    """The GraphQL type-system rules graphql-core checks when building a schema
    (interfaces implemented correctly, non-empty types, ...)."""
    from router.composition.types_util import is_subtype_of

    errors: list[str] = []

    def check_name(name: str) -> None:
        if name.startswith("__"):
            errors.append(f'Name "{name}" must not begin with "__", which is reserved by GraphQL introspection.')

    def check_input_value(coordinate: str, value: InputValue, kind: str) -> None:
        if value.is_required() and any(d.name == "deprecated" for d in value.directives):
            label = "argument" if kind == "argument" else "input field"
            errors.append(f"Required {label} {coordinate} cannot be deprecated.")
        if value.default is not None and not is_valid_value(schema, value.type, value.default):
            from router.composition.model import print_value

            errors.append(
                f"Invalid default value (got: {print_value(value.default)}) provided for {kind} {coordinate} of type {value.type}."
            )

    for d in schema.directive_defs.values():
        check_name(d.name)
        for a in d.args.values():
            check_input_value(f"@{d.name}({a.name}:)", a, "argument")
    for t in schema.types.values():
        check_name(t.name)
        for f in t.fields.values():
            check_name(f.name)
            for a in f.args.values():
                check_name(a.name)
                check_input_value(f"{t.name}.{f.name}({a.name}:)", a, "argument")
        for f in t.input_fields.values():
            check_name(f.name)
            check_input_value(f"{t.name}.{f.name}", f, "input field")
        for v in t.values:
            check_name(v)
    for t in schema.types.values():
        if t.kind in ("OBJECT", "INTERFACE"):
            if not t.fields:
                errors.append(f"Type {t.name} must define one or more fields.")
            for itf_name in t.interfaces:
                itf = schema.types.get(itf_name)
                if itf is None:
                    continue
                if itf.kind != "INTERFACE":
                    errors.append(f"Type {t.name} must only implement Interface types, it cannot implement {itf_name}.")
                    continue
                if itf_name == t.name:
                    errors.append(f"Type {t.name} cannot implement itself because it would create a circular reference.")
                    continue
                for itf_field in itf.fields.values():
                    f = t.fields.get(itf_field.name)
                    if f is None:
                        errors.append(
                            f"Interface field {itf_name}.{itf_field.name} expected but {t.name} does not provide it."
                        )
                        continue
                    if not is_subtype_of(schema, itf_field.type, f.type):
                        errors.append(
                            f"Interface field {itf_name}.{itf_field.name} expects type {itf_field.type} but "
                            f"{t.name}.{f.name} of type {f.type} is not a proper subtype."
                        )
                    for itf_arg in itf_field.args.values():
                        arg = f.args.get(itf_arg.name)
                        if arg is None:
                            errors.append(
                                f"Interface field argument {itf_name}.{itf_field.name}({itf_arg.name}:) expected but "
                                f"{t.name}.{f.name} does not provide it."
                            )
                        elif arg.type != itf_arg.type:
                            errors.append(
                                f"Interface field argument {itf_name}.{itf_field.name}({itf_arg.name}:) expects type "
                                f"{itf_arg.type} but {t.name}.{f.name}({arg.name}:) is type {arg.type}."
                            )
                    for arg in f.args.values():
                        if arg.name not in itf_field.args and arg.is_required():
                            errors.append(
                                f"Field {t.name}.{f.name} includes required argument {arg.name} that is missing from "
                                f"the Interface field {itf_name}.{itf_field.name}."
                            )
                for itf_of_itf in itf.interfaces:
                    if itf_of_itf not in t.interfaces and itf_of_itf != t.name:
                        errors.append(f"Type {t.name} must implement {itf_of_itf} because it is implemented by {itf_name}.")
        elif t.kind == "UNION":
            if not t.members:
                errors.append(f"Union type {t.name} must define one or more member types.")
            for m in t.members:
                mt = schema.types.get(m)
                if mt is not None and mt.kind != "OBJECT":
                    errors.append(f"Union type {t.name} can only include Object types, it cannot include {m}.")
        elif t.kind == "ENUM":
            if not t.values:
                errors.append(f"Enum type {t.name} must define one or more values.")
            for v in t.values:
                if v in ("true", "false", "null"):
                    errors.append(f"Enum type {t.name} cannot include value: {v}.")
        elif t.kind == "INPUT_OBJECT":
            if not t.input_fields:
                errors.append(f"Input Object type {t.name} must define one or more fields.")
        if t.kind in ("OBJECT", "INTERFACE"):
            for f in t.fields.values():
                ft = schema.types.get(base_name(f.type))
                if ft is not None and ft.kind == "INPUT_OBJECT":
                    errors.append(f"The type of {t.name}.{f.name} must be Output Type but got: {f.type}.")
                for a in f.args.values():
                    at = schema.types.get(base_name(a.type))
                    if at is not None and not at.is_input:
                        errors.append(f"The type of {t.name}.{f.name}({a.name}:) must be Input Type but got: {a.type}.")
        if t.kind == "INPUT_OBJECT":
            for f in t.input_fields.values():
                ft = schema.types.get(base_name(f.type))
                if ft is not None and not ft.is_input:
                    errors.append(f"The type of {t.name}.{f.name} must be Input Type but got: {f.type}.")
    return errors


def is_valid_value(schema: Schema, ref: TypeRef, node: gast.ValueNode) -> bool:
    """Whether a literal is a valid value of ``ref`` (input coercion rules, loosely)."""
    if isinstance(node, gast.NullValueNode):
        return not isinstance(ref, NonNullRef)
    if isinstance(ref, NonNullRef):
        return is_valid_value(schema, ref.of, node)
    if isinstance(ref, ListRef):
        if isinstance(node, gast.ListValueNode):
            return all(is_valid_value(schema, ref.of, v) for v in node.values)
        return is_valid_value(schema, ref.of, node)
    assert isinstance(ref, NamedRef)
    name = ref.name
    if isinstance(node, gast.VariableNode):
        return False
    if name == "Int":
        return isinstance(node, gast.IntValueNode) and -(2**31) <= int(node.value) < 2**31
    if name == "Float":
        return isinstance(node, gast.IntValueNode | gast.FloatValueNode)
    # Apollo compares JavaScript values, where enum and string literals are both strings.
    if name == "String":
        return isinstance(node, gast.StringValueNode | gast.EnumValueNode)
    if name == "Boolean":
        return isinstance(node, gast.BooleanValueNode)
    if name == "ID":
        return isinstance(node, gast.StringValueNode | gast.EnumValueNode | gast.IntValueNode)
    t = schema.types.get(name)
    if t is None or t.kind == "SCALAR":
        return True
    if t.kind == "ENUM":
        return isinstance(node, gast.EnumValueNode | gast.StringValueNode) and node.value in t.values
    if t.kind == "INPUT_OBJECT":
        if not isinstance(node, gast.ObjectValueNode):
            return False
        given = {f.name.value: f.value for f in node.fields}
        if any(k not in t.input_fields for k in given):
            return False
        for field_def in t.input_fields.values():
            if field_def.name in given:
                if not is_valid_value(schema, field_def.type, given[field_def.name]):
                    return False
            elif field_def.is_required():
                return False
        return True
    return False
