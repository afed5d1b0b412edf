"""The API schema: what clients see, i.e. the supergraph minus machinery and ``@inaccessible``.

Built by filtering the supergraph AST and letting graphql-core build the result, so the
API schema is an ordinary ``GraphQLSchema`` that validation and introspection use as is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DirectiveLocation,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLError,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
    validate_schema,
)

from router.supergraph.errors import SupergraphError
from router.supergraph.links import Links

_KEPT_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf"})
_EXECUTABLE_LOCATIONS = frozenset(
    {
        DirectiveLocation.QUERY.name,
        DirectiveLocation.MUTATION.name,
        DirectiveLocation.SUBSCRIPTION.name,
        DirectiveLocation.FIELD.name,
        DirectiveLocation.FRAGMENT_DEFINITION.name,
        DirectiveLocation.FRAGMENT_SPREAD.name,
        DirectiveLocation.INLINE_FRAGMENT.name,
        DirectiveLocation.VARIABLE_DEFINITION.name,
    }
)
_TYPE_NODES = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
)


def _named(type_node: TypeNode) -> str:
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value


class _ApiFilter:
    def __init__(self, document: DocumentNode, links: Links, inaccessible: str | None) -> None:
        self.document = document
        self.links = links
        self.inaccessible = inaccessible
        self.removed_types: set[str] = set()

    def hidden(self, directives: Iterable[DirectiveNode] | None) -> bool:
        return self.inaccessible is not None and any(d.name.value == self.inaccessible for d in directives or ())

    @staticmethod
    def kept(directives: Iterable[DirectiveNode] | None) -> tuple[DirectiveNode, ...]:
        return tuple(d for d in directives or () if d.name.value in _KEPT_DIRECTIVES)

    def run(self) -> DocumentNode:
        for definition in self.document.definitions:
            if isinstance(definition, _TYPE_NODES):
                name = definition.name.value
                if self.links.owns_type(name) or self.hidden(definition.directives):
                    self.removed_types.add(name)
        definitions: list[Any] = []
        for definition in self.document.definitions:
            rebuilt = self.rebuild(definition)
            if rebuilt is not None:
                definitions.append(rebuilt)
        # a type left without fields cannot be built; drop it and anything pointing at it
        while True:
            empty = {
                d.name.value
                for d in definitions
                if isinstance(d, (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode, InputObjectTypeDefinitionNode))
                and not d.fields
            }
            if not empty:
                break
            self.removed_types |= empty
            definitions = [r for d in definitions if (r := self.rebuild(d)) is not None]
        return DocumentNode(definitions=tuple(definitions))

    def rebuild(self, definition: Any) -> Any:
        if isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
            operations = tuple(
                op for op in definition.operation_types or () if op.type.name.value not in self.removed_types
            )
            return dataclasses.replace(definition, directives=(), operation_types=operations)
        if isinstance(definition, DirectiveDefinitionNode):
            name = definition.name.value
            if self.links.owns_directive(name) or self.hidden(definition.directives):
                return None
            if name not in _KEPT_DIRECTIVES and not any(
                loc.value in _EXECUTABLE_LOCATIONS for loc in definition.locations
            ):
                return None
            return dataclasses.replace(definition, arguments=self.arguments(definition.arguments))
        if not isinstance(definition, _TYPE_NODES):
            return definition
        if definition.name.value in self.removed_types:
            return None
        changes: dict[str, Any] = {"directives": self.kept(definition.directives)}
        if isinstance(definition, (ObjectTypeDefinitionNode, ObjectTypeExtensionNode, InterfaceTypeDefinitionNode, InterfaceTypeExtensionNode)):
            changes["interfaces"] = tuple(
                i for i in definition.interfaces or () if i.name.value not in self.removed_types
            )
            changes["fields"] = tuple(
                dataclasses.replace(
                    f, directives=self.kept(f.directives), arguments=self.arguments(f.arguments)
                )
                for f in definition.fields or ()
                if not self.hidden(f.directives) and _named(f.type) not in self.removed_types
            )
        elif isinstance(definition, (InputObjectTypeDefinitionNode, InputObjectTypeExtensionNode)):
            changes["fields"] = self.arguments(definition.fields)
        elif isinstance(definition, (UnionTypeDefinitionNode, UnionTypeExtensionNode)):
            members = tuple(t for t in definition.types or () if t.name.value not in self.removed_types)
            if not members:
                self.removed_types.add(definition.name.value)
                return None
            changes["types"] = members
        elif isinstance(definition, (EnumTypeDefinitionNode, EnumTypeExtensionNode)):
            changes["values"] = tuple(
                dataclasses.replace(v, directives=self.kept(v.directives))
                for v in definition.values or ()
                if not self.hidden(v.directives)
            )
        return dataclasses.replace(definition, **changes)

    def arguments(self, arguments: Any) -> tuple[Any, ...]:
        return tuple(
            dataclasses.replace(a, directives=self.kept(a.directives))
            for a in arguments or ()
            if not self.hidden(a.directives) and _named(a.type) not in self.removed_types
        )


# Apollo Router declares @defer in the API schema when defer support is on (ours always is), so that
# clients' validation and introspection see it; graphql-core's specified rules then check its use.
DEFER_DIRECTIVE_SDL = "directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT"


def api_document(document: DocumentNode, links: Links, inaccessible_directive: str | None) -> DocumentNode:
    api = _ApiFilter(document, links, inaccessible_directive).run()
    if any(isinstance(d, DirectiveDefinitionNode) and d.name.value == "defer" for d in api.definitions):
        return api
    return DocumentNode(definitions=(*api.definitions, *parse(DEFER_DIRECTIVE_SDL).definitions))


def build_schema_checked(document: DocumentNode, what: str) -> GraphQLSchema:
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"invalid {what}: {error}") from None
    errors = validate_schema(schema)
    if errors:
        details = "; ".join(e.message for e in errors[:5])
        raise SupergraphError(f"invalid {what}: {details}")
    return schema
