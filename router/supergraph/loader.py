"""``load_supergraph``: SDL text in, ``Supergraph`` out, or a ``SupergraphError`` saying why not."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldDefinitionNode,
    GraphQLError,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    parse,
)

from router.supergraph.api_schema import api_document, build_schema_checked
from router.supergraph.authorization import AuthDirectiveNames, Authorization, requirements_from
from router.supergraph.errors import SupergraphError
from router.supergraph.extract import collect_types, extract_types, read_subgraphs
from router.supergraph.links import Links, read_links
from router.supergraph.model import Supergraph

SUPPORTED_JOIN = ((0, 1), (0, 5))


def _feature_directive(links: Links, spec: str) -> str | None:
    feature = links.get(spec)
    return feature.directive(spec) if feature else None


def _authorization(document: DocumentNode, links: Links, api_types: set[str]) -> Authorization:
    names = AuthDirectiveNames(
        authenticated=_feature_directive(links, "authenticated"),
        requires_scopes=_feature_directive(links, "requiresScopes"),
        policy=_feature_directive(links, "policy"),
    )
    if not (names.authenticated or names.requires_scopes or names.policy):
        return Authorization()
    types = {}
    fields = {}
    for source in collect_types(document, links).values():
        if source.name not in api_types:
            continue
        requirements = requirements_from(source.directives, names)
        if not requirements.is_empty:
            types[source.name] = requirements
        for definition in source.fields:
            if not isinstance(definition, FieldDefinitionNode):
                continue
            requirements = requirements_from(definition.directives or (), names)
            if not requirements.is_empty:
                fields[(source.name, definition.name.value)] = requirements
    return Authorization(types=types, fields=fields)


def _inaccessible_fields(document: DocumentNode, directive: str | None) -> frozenset[tuple[str, str]]:
    if directive is None:
        return frozenset()
    hidden: set[tuple[str, str]] = set()
    for definition in document.definitions:
        if isinstance(definition, (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode)):
            for field in definition.fields or ():
                if any(d.name.value == directive for d in field.directives or ()):
                    hidden.add((definition.name.value, field.name.value))
    return frozenset(hidden)


def load_supergraph(sdl: str) -> Supergraph:
    """Read an Apollo supergraph (join v0.1 to v0.5, federation 1 or 2) into the router's model."""
    if not isinstance(sdl, str) or not sdl.strip():
        raise SupergraphError("the supergraph SDL is empty")
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError as error:
        raise SupergraphError(f"the supergraph SDL does not parse: {error.message}") from None
    links = read_links(document)
    join = links.get("join")
    if join is None:
        raise SupergraphError('not a supergraph: no link to "https://specs.apollo.dev/join"')
    version = join.version or (0, 1)
    if version < SUPPORTED_JOIN[0]:
        raise SupergraphError(f"join spec v{version[0]}.{version[1]} is not supported")
    graphs = read_subgraphs(document, join)
    if not graphs:
        raise SupergraphError("the supergraph declares no subgraphs")
    types = extract_types(document, links, join, graphs)
    inaccessible = _feature_directive(links, "inaccessible")
    for name, meta in types.items():
        meta.inaccessible = False
    schema = build_schema_checked(document, "supergraph")
    api_schema = build_schema_checked(api_document(document, links, inaccessible), "API schema")
    for name, meta in types.items():
        meta.inaccessible = name not in api_schema.type_map
    return Supergraph(
        sdl=sdl,
        schema=schema,
        api_schema=api_schema,
        subgraphs={info.name: info for info in graphs.values()},
        types=types,
        authorization=_authorization(document, links, set(api_schema.type_map)),
        join_version=version,
        inaccessible_fields=_inaccessible_fields(document, inaccessible),
    )
