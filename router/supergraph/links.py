"""Which specs a supergraph links, and under which local names.

A supergraph names its machinery through ``@link`` (or the older ``@core``): a spec can be
renamed (``as:``) and its directives imported under other names, so nothing downstream may
hard-code ``@join__type`` or ``@inaccessible``. This module resolves the local name of every
spec element once; everything else asks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import (
    ConstValueNode,
    DirectiveNode,
    DocumentNode,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    EnumValueNode,
)

from router.supergraph.errors import SupergraphError

_VERSION = re.compile(r"^v(\d+)\.(\d+)$")
_BOOTSTRAP = {"https://specs.apollo.dev/link", "https://specs.apollo.dev/core"}


@dataclass(frozen=True)
class Feature:
    """One linked spec: its identity, version and the local names of its elements."""

    identity: str
    name: str
    version: tuple[int, int] | None
    prefix: str
    purpose: str | None = None
    # imported element name (with "@" for directives) -> local name (with "@" likewise)
    imports: dict[str, str] = field(default_factory=dict)

    def directive(self, element: str) -> str:
        """Local name of the spec's directive ``element`` (``"type"`` -> ``join__type``)."""
        imported = self.imports.get("@" + element)
        if imported is not None:
            return imported[1:]
        if element == self.name:
            return self.prefix
        return f"{self.prefix}__{element}"

    def type_name(self, element: str) -> str:
        imported = self.imports.get(element)
        if imported is not None:
            return imported
        return f"{self.prefix}__{element}"

    def owns_directive(self, name: str) -> bool:
        return (
            name == self.prefix
            or name.startswith(self.prefix + "__")
            or ("@" + name) in self.imports.values()
        )

    def owns_type(self, name: str) -> bool:
        return name.startswith(self.prefix + "__") or name in self.imports.values()


@dataclass(frozen=True)
class Links:
    """All features linked by the schema definition, looked up by spec name (``join``)."""

    link_directive: str
    features: tuple[Feature, ...]

    def get(self, spec_name: str, identity_prefix: str = "https://specs.apollo.dev/") -> Feature | None:
        for feature in self.features:
            if feature.name == spec_name and feature.identity.startswith(identity_prefix):
                return feature
        return None

    def owns_directive(self, name: str) -> bool:
        return name == self.link_directive or any(f.owns_directive(name) for f in self.features)

    def owns_type(self, name: str) -> bool:
        return any(f.owns_type(name) for f in self.features)


def _string(value: ConstValueNode | None) -> str | None:
    if isinstance(value, (StringValueNode, EnumValueNode)):
        return value.value
    return None


def _args(directive: DirectiveNode) -> dict[str, ConstValueNode]:
    return {arg.name.value: arg.value for arg in directive.arguments or ()}  # type: ignore[misc]


def parse_url(url: str) -> tuple[str, str, tuple[int, int] | None]:
    """Split a spec URL into (identity, name, version); the version segment is optional."""
    trimmed = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    segments = trimmed.split("/")
    version: tuple[int, int] | None = None
    match = _VERSION.match(segments[-1]) if segments else None
    if match:
        version = (int(match.group(1)), int(match.group(2)))
        segments = segments[:-1]
    if len(segments) < 1 or not segments[-1]:
        raise SupergraphError(f"invalid @link url {url!r}")
    name = segments[-1]
    return "/".join(segments), name, version


def _imports(value: ConstValueNode | None, url: str) -> dict[str, str]:
    result: dict[str, str] = {}
    if value is None:
        return result
    items = value.values if isinstance(value, ListValueNode) else (value,)
    for item in items:
        if isinstance(item, StringValueNode):
            result[item.value] = item.value
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: _string(f.value) for f in item.fields}  # type: ignore[arg-type]
            name, alias = fields.get("name"), fields.get("as") or fields.get("name")
            if not name or not alias:
                raise SupergraphError(f"invalid import {item} in @link(url: {url!r})")
            if name.startswith("@") != alias.startswith("@"):
                raise SupergraphError(f"import {name} cannot be renamed to {alias} in @link(url: {url!r})")
            result[name] = alias
        else:
            raise SupergraphError(f"invalid import in @link(url: {url!r})")
    return result


def _schema_directives(document: DocumentNode) -> list[DirectiveNode]:
    directives: list[DirectiveNode] = []
    for definition in document.definitions:
        if isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
            directives.extend(definition.directives or ())
    return directives


def read_links(document: DocumentNode) -> Links:
    """Find the ``@link``/``@core`` applications on the schema and resolve every feature."""
    directives = _schema_directives(document)
    link_name: str | None = None
    for directive in directives:
        args = _args(directive)
        url = _string(args.get("url")) or _string(args.get("feature"))
        if url is None:
            continue
        identity, name, _ = parse_url(url)
        if identity in _BOOTSTRAP and directive.name.value == (_string(args.get("as")) or name):
            link_name = directive.name.value
            break
    if link_name is None:
        raise SupergraphError(
            "not a supergraph: the schema definition has no @link(url: \"https://specs.apollo.dev/link/...\") "
            "or @core(feature: \"https://specs.apollo.dev/core/...\")"
        )
    features: list[Feature] = []
    for directive in directives:
        if directive.name.value != link_name:
            continue
        args = _args(directive)
        url = _string(args.get("url")) or _string(args.get("feature"))
        if url is None:
            raise SupergraphError(f"@{link_name} without a url on the schema definition")
        identity, name, version = parse_url(url)
        prefix = _string(args.get("as")) or name
        features.append(
            Feature(
                identity=identity,
                name=name,
                version=version,
                prefix=prefix,
                purpose=_string(args.get("for")),
                imports=_imports(args.get("import"), url),
            )
        )
    return Links(link_directive=link_name, features=tuple(features))
