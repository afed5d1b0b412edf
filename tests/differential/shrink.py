"""Shrink a failing operation to a small one that still fails, for regression tests.

Greedy delta debugging over the AST: drop one field, fragment, directive, argument or
alias at a time, clean up fragments and variables left unused, and keep the change
when the operation is still valid and the predicate still holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    REMOVE,
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    validate,
    visit,
)

from tests.differential.operations import Operation

_SHRINKABLE = (FieldNode, InlineFragmentNode, FragmentSpreadNode, DirectiveNode, ArgumentNode)


class _EditNth(Visitor):
    """Edits only the ``target``-th node the subclass finds eligible (one edit per walk)."""

    def __init__(self, target: int) -> None:
        super().__init__()
        self.target = target
        self.seen = 0
        self.changed = False

    def _hit(self) -> bool:
        self.seen += 1
        if self.seen - 1 != self.target:
            return False
        self.changed = True
        return True


class _RemoveNth(_EditNth):
    def enter(self, node: Node, *_args: Any) -> Any:
        if isinstance(node, _SHRINKABLE) and self._hit():
            return REMOVE
        return None


class _DropAliasNth(_EditNth):
    def enter_field(self, node: FieldNode, *_args: Any) -> Any:
        if node.alias is not None and self._hit():
            return FieldNode(name=node.name, arguments=node.arguments, directives=node.directives,
                             selection_set=node.selection_set, alias=None)
        return None


def _tidy(document: DocumentNode, variables: dict[str, Any]) -> tuple[DocumentNode, dict[str, Any]]:
    """Drop fragment definitions and variables nobody uses any more."""
    while True:
        spreads: set[str] = set()
        used_vars: set[str] = set()

        class Uses(Visitor):
            def enter_fragment_spread(self, node: FragmentSpreadNode, *_a: Any) -> None:
                spreads.add(node.name.value)

            def enter_variable(self, node: VariableNode, _key: Any, parent: Any, *_a: Any) -> None:
                if not type(parent).__name__ == "VariableDefinitionNode":
                    used_vars.add(node.name.value)

        visit(document, Uses())
        definitions = [d for d in document.definitions
                       if not isinstance(d, FragmentDefinitionNode) or d.name.value in spreads]
        changed = len(definitions) != len(document.definitions)
        out = []
        for d in definitions:
            if isinstance(d, OperationDefinitionNode) and d.variable_definitions:
                kept = tuple(v for v in d.variable_definitions if v.variable.name.value in used_vars)
                if len(kept) != len(d.variable_definitions):
                    changed = True
                    d = OperationDefinitionNode(operation=d.operation, name=d.name, variable_definitions=kept,
                                                directives=d.directives, selection_set=d.selection_set)
            out.append(d)
        document = DocumentNode(definitions=tuple(out))
        if not changed:
            return document, {k: v for k, v in variables.items() if k in used_vars}


def _variants(text: str) -> Iterator[DocumentNode]:
    for make in (_RemoveNth, _DropAliasNth):
        index = 0
        while True:
            visitor = make(index)
            changed_doc = visit(parse(text), visitor)  # a fresh tree each time: edits may share nodes
            if not visitor.changed:
                break
            yield changed_doc
            index += 1


def shrink(op: Operation, schema: GraphQLSchema, still_fails: Callable[[Operation], bool], budget: int = 400) -> Operation:
    current = op.text
    variables = dict(op.variables)
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        for variant in _variants(current):
            tries += 1
            if tries >= budget:
                break
            candidate_doc, candidate_vars = _tidy(variant, variables)
            text = print_ast(candidate_doc)
            if "{}" in text.replace(" ", "").replace("\n", ""):
                continue  # an emptied selection set
            if validate(schema, parse(text)):
                continue
            candidate = Operation(text, candidate_vars, op.operation_name)
            if still_fails(candidate):
                current, variables = text, candidate_vars
                improved = True
                break
    return Operation(current, variables, op.operation_name)

