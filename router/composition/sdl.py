"""SDL text to the composition schema model (definitions and extensions merged,
with each element remembering whether it came from an ``extend`` block)."""

from __future__ import annotations

from graphql import GraphQLSyntaxError, parse
from graphql.language import ast as gast

from router.composition.model import (
    Directive,
    DirectiveDef,
    EnumValueDef,
    Field,
    InputValue,
    Schema,
    TypeDef,
    type_ref_from_ast,
)

_KIND_OF_NODE: dict[type, str] = {
    gast.ObjectTypeDefinitionNode: "OBJECT",
    gast.ObjectTypeExtensionNode: "OBJECT",
    gast.InterfaceTypeDefinitionNode: "INTERFACE",
    gast.InterfaceTypeExtensionNode: "INTERFACE",
    gast.UnionTypeDefinitionNode: "UNION",
    gast.UnionTypeExtensionNode: "UNION",
    gast.EnumTypeDefinitionNode: "ENUM",
    gast.EnumTypeExtensionNode: "ENUM",
    gast.InputObjectTypeDefinitionNode: "INPUT_OBJECT",
    gast.InputObjectTypeExtensionNode: "INPUT_OBJECT",
    gast.ScalarTypeDefinitionNode: "SCALAR",
    gast.ScalarTypeExtensionNode: "SCALAR",
}


def parse_sdl(text: str) -> gast.DocumentNode:
    """Parse SDL; raises ``GraphQLSyntaxError`` on bad syntax."""
    return parse(text, no_location=False)


def normalize_value(node: gast.ValueNode) -> gast.ValueNode:
    """Drop presentation details (block strings) so values print uniformly."""
    if isinstance(node, gast.StringValueNode) and node.block:
        return gast.StringValueNode(value=node.value)
    if isinstance(node, gast.ListValueNode):
        return gast.ListValueNode(values=tuple(normalize_value(v) for v in node.values))
    if isinstance(node, gast.ObjectValueNode):
        return gast.ObjectValueNode(
            fields=tuple(gast.ObjectFieldNode(name=f.name, value=normalize_value(f.value)) for f in node.fields)
        )
    return node


def directives_from_ast(nodes: tuple[gast.ConstDirectiveNode, ...] | None, extension: int = 0) -> list[Directive]:
    return [
        Directive(
            name=d.name.value,
            args={a.name.value: normalize_value(a.value) for a in d.arguments or ()},
            extension=extension,
        )
        for d in nodes or ()
    ]


def _description(node: object) -> str | None:
    desc = getattr(node, "description", None)
    return desc.value if desc is not None else None


def input_value_from_ast(node: gast.InputValueDefinitionNode, extension: int = 0) -> InputValue:
    return InputValue(
        name=node.name.value,
        type=type_ref_from_ast(node.type),
        default=normalize_value(node.default_value) if node.default_value is not None else None,
        description=_description(node),
        directives=directives_from_ast(node.directives),
        extension=extension,
    )


def build_schema_model(document: gast.DocumentNode) -> Schema:
    schema = Schema()
    explicit_roots = False
    for definition in document.definitions:
        if isinstance(definition, gast.SchemaDefinitionNode | gast.SchemaExtensionNode):
            is_ext = isinstance(definition, gast.SchemaExtensionNode)
            if not is_ext:
                schema.description = _description(definition)
            for op in definition.operation_types or ():
                schema.roots[op.operation.value] = op.type.name.value
                explicit_roots = True
            schema.schema_directives.extend(directives_from_ast(definition.directives, is_ext))
        elif isinstance(definition, gast.DirectiveDefinitionNode):
            schema.directive_defs[definition.name.value] = DirectiveDef(
                name=definition.name.value,
                args={a.name.value: input_value_from_ast(a) for a in definition.arguments or ()},
                locations=[loc.value for loc in definition.locations],
                repeatable=definition.repeatable,
                description=_description(definition),
            )
        elif type(definition) in _KIND_OF_NODE:
            _add_type_node(schema, definition)  # type: ignore[arg-type]
    if not explicit_roots:
        for kind, name in (("query", "Query"), ("mutation", "Mutation"), ("subscription", "Subscription")):
            t = schema.types.get(name)
            if t is not None and t.kind == "OBJECT":
                schema.roots[kind] = name
    return schema


def _add_type_node(schema: Schema, node: gast.TypeDefinitionNode | gast.TypeExtensionNode) -> None:
    kind = _KIND_OF_NODE[type(node)]
    name = node.name.value
    # 0 for the definition, else a distinct (truthy) number per `extend` block: some
    # rules (@shareable on a type) apply per declaration block.
    is_ext: int = 0
    if isinstance(node, gast.TypeExtensionNode):
        _add_type_node.blocks += 1  # type: ignore[attr-defined]
        is_ext = _add_type_node.blocks  # type: ignore[attr-defined]
    t = schema.types.get(name)
    if t is None:
        t = TypeDef(kind=kind, name=name)  # type: ignore[arg-type]
        schema.types[name] = t
    if is_ext:
        t.has_extension = True
    else:
        t.has_definition = True
        t.description = _description(node)
    t.directives.extend(directives_from_ast(node.directives, is_ext))
    if kind in ("OBJECT", "INTERFACE"):
        for itf in getattr(node, "interfaces", None) or ():
            if itf.name.value not in t.interfaces:
                t.interfaces.append(itf.name.value)
        for f in getattr(node, "fields", None) or ():
            t.fields[f.name.value] = Field(
                name=f.name.value,
                type=type_ref_from_ast(f.type),
                args={a.name.value: input_value_from_ast(a) for a in f.arguments or ()},
                description=_description(f),
                directives=directives_from_ast(f.directives),
                extension=is_ext,
            )
    elif kind == "INPUT_OBJECT":
        for f in getattr(node, "fields", None) or ():
            t.input_fields[f.name.value] = input_value_from_ast(f, is_ext)
    elif kind == "UNION":
        for m in getattr(node, "types", None) or ():
            if m.name.value not in t.members:
                t.members.append(m.name.value)
    elif kind == "ENUM":
        for v in getattr(node, "values", None) or ():
            t.values[v.name.value] = EnumValueDef(
                name=v.name.value,
                description=_description(v),
                directives=directives_from_ast(v.directives),
                extension=is_ext,
            )


_add_type_node.blocks = 0  # type: ignore[attr-defined]

__all__ = ["GraphQLSyntaxError", "build_schema_model", "parse_sdl", "normalize_value"]
