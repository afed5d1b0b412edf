"""Production guards on the shape of an operation, checked before any planning.

Parsing is bounded by the token limit; these limits bound what a valid operation can
cost: nesting depth, aliases (the classic way to multiply one expensive field), root
fields (fan-out to subgraphs) and fields after fragment expansion (a few lines of
text can expand exponentially through nested fragment spreads). Each violation is a
request error that names the limit and the setting that raises it.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from router.config import Limits


@dataclass(frozen=True)
class OperationShape:
    """Size measures of one operation with every fragment spread expanded."""

    depth: int
    aliases: int
    root_fields: int
    fields: int


@dataclass(frozen=True)
class _Measure:
    depth: int = 0
    aliases: int = 0
    fields: int = 0
    top_level: int = 0


class _ShapeMeter:
    """Measures selection sets, computing each fragment once (spreads reuse it)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._memo: dict[str, _Measure] = {}

    def fragment(self, name: str) -> _Measure:
        measure = self._memo.get(name)
        if measure is None:
            definition = self._fragments.get(name)
            measure = self.selection_set(definition.selection_set) if definition else _Measure()
            self._memo[name] = measure
        return measure

    def selection_set(self, selection_set: SelectionSetNode | None) -> _Measure:
        if selection_set is None:
            return _Measure()
        depth = aliases = fields = top_level = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                child = self.selection_set(selection.selection_set)
                depth = max(depth, 1 + child.depth)
                aliases += child.aliases + (1 if selection.alias is not None else 0)
                fields += 1 + child.fields
                top_level += 1
                continue
            if isinstance(selection, FragmentSpreadNode):
                child = self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                child = self.selection_set(selection.selection_set)
            else:  # pragma: no cover - graphql-core has no other selection kinds
                continue
            depth = max(depth, child.depth)
            aliases += child.aliases
            fields += child.fields
            top_level += child.top_level
        return _Measure(depth, aliases, fields, top_level)


def measure_operation(document: DocumentNode, operation: OperationDefinitionNode) -> OperationShape:
    """Depth, aliases, root fields and total fields of ``operation``.

    The document must be valid (no fragment cycles): validation runs first.
    """
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    measure = _ShapeMeter(fragments).selection_set(operation.selection_set)
    return OperationShape(
        depth=measure.depth, aliases=measure.aliases, root_fields=measure.top_level, fields=measure.fields
    )


def _limit_error(code: str, what: str, actual: int, limit: int, setting: str) -> GraphQLError:
    return GraphQLError(
        f"Operation {what} of {actual} exceeds the limit of {limit} ({setting}).",
        extensions={"code": code, "limit": limit, "actual": actual},
    )


def check_limits(shape: OperationShape, limits: Limits) -> list[GraphQLError]:
    """Errors for every limit the operation exceeds (empty when it passes)."""
    errors: list[GraphQLError] = []
    if limits.max_depth is not None and shape.depth > limits.max_depth:
        errors.append(_limit_error("MAX_DEPTH_LIMIT", "depth", shape.depth, limits.max_depth, "ROUTER_MAX_DEPTH"))
    if limits.max_aliases is not None and shape.aliases > limits.max_aliases:
        errors.append(
            _limit_error("MAX_ALIASES_LIMIT", "alias count", shape.aliases, limits.max_aliases, "ROUTER_MAX_ALIASES")
        )
    if limits.max_root_fields is not None and shape.root_fields > limits.max_root_fields:
        errors.append(
            _limit_error(
                "MAX_ROOT_FIELDS_LIMIT",
                "root field count",
                shape.root_fields,
                limits.max_root_fields,
                "ROUTER_MAX_ROOT_FIELDS",
            )
        )
    if limits.max_fields is not None and shape.fields > limits.max_fields:
        errors.append(
            _limit_error(
                "MAX_FIELDS_LIMIT",
                "field count (fragments expanded)",
                shape.fields,
                limits.max_fields,
                "ROUTER_MAX_FIELDS",
            )
        )
    return errors


class NoIntrospectionRule(ASTValidationRule):
    """Rejects ``__schema`` and ``__type`` when introspection is switched off.

    ``__typename`` stays allowed: clients need it for caching and abstract types,
    and it reveals nothing beyond the type the client already selected.
    """

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        name = node.name.value
        if name in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    "GraphQL introspection has been disabled on this router "
                    f"(ROUTER_INTROSPECTION=false), but the operation selects '{name}'.",
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )
