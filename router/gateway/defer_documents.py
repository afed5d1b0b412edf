"""``@defer``: the documents the planner sees and the tree of deferred fragments.

The core plans and executes ordinary operations only, so a deferred operation is run as
two of them: the *primary* one (deferred fragments removed: what the first payload
needs) and the *full* one (every fragment inlined, ``@defer`` dropped). The deferred
fragments' payloads are then cut out of the full answer. Cutting needs to know each
object's runtime type (a fragment's type condition), so the full document selects
``__typename`` under a private alias in every selection set; the alias never reaches a
client. Everything here depends only on the document and the values of the variables
used in ``@defer(if:)``, so it is built once per (plan key, those values) and cached.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)

from router.planning.normalize import condition_variables, included

# Private response key of the injected ``__typename`` (cut from every payload).
TYPENAME_ALIAS = "_routerDeferTypename"
_TYPENAME_FIELD = FieldNode(
    alias=NameNode(value=TYPENAME_ALIAS), name=NameNode(value="__typename"), arguments=(), directives=()
)


def _directive(directives: Sequence[DirectiveNode] | None, name: str) -> DirectiveNode | None:
    for directive in directives or ():
        if directive.name.value == name:
            return directive
    return None


def _argument(directive: DirectiveNode, name: str) -> Any:
    for argument in directive.arguments or ():
        if argument.name.value == name:
            return argument.value
    return None


def _boolean(value: Any, variables: Mapping[str, Any], default: bool) -> bool:
    if isinstance(value, BooleanValueNode):
        return value.value
    if isinstance(value, VariableNode):
        return bool(variables.get(value.name.value, default))
    return default


def deferred(node: Any, variables: Mapping[str, Any]) -> bool:
    """Whether a fragment is deferred: ``@defer`` present and its ``if`` not false."""
    if isinstance(node, FieldNode):
        return False
    directive = _directive(node.directives, "defer")
    return directive is not None and _boolean(_argument(directive, "if"), variables, True)


def defer_label(node: Any) -> str | None:
    directive = _directive(node.directives, "defer")
    value = None if directive is None else _argument(directive, "label")
    return value.value if isinstance(value, StringValueNode) else None


def _defer_directives(document: DocumentNode) -> list[DirectiveNode]:
    """Every ``@defer`` in the document (operations and fragments)."""
    found: list[DirectiveNode] = []

    def visit(selection_set: SelectionSetNode | None) -> None:
        for node in selection_set.selections if selection_set is not None else ():
            directive = None if isinstance(node, FieldNode) else _directive(node.directives, "defer")
            if directive is not None:
                found.append(directive)
            visit(getattr(node, "selection_set", None))

    for definition in document.definitions:
        if isinstance(definition, (OperationDefinitionNode, FragmentDefinitionNode)):
            visit(definition.selection_set)
    return found


@dataclass(frozen=True)
class DeferUse:
    """What a deferred operation's caches are keyed on, found once per prepared operation."""

    defer_variables: tuple[str, ...]  # used in ``@defer(if:)``: they shape the documents
    condition_variables: tuple[str, ...]  # used in ``@skip``/``@include``: with the above, the fragment tree
    fragments: Mapping[str, FragmentDefinitionNode]


def defer_use(document: DocumentNode, operation_name: str | None) -> DeferUse | None:
    """None for an operation without ``@defer`` (most): it then pays nothing per request."""
    directives = _defer_directives(document)
    if not directives:
        return None
    ifs = (_argument(directive, "if") for directive in directives)
    return DeferUse(
        tuple(dict.fromkeys(value.name.value for value in ifs if isinstance(value, VariableNode))),
        condition_variables(document, operation_name),
        {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)},
    )


# ------------------------------------------------------------------ document transforms
def _without_defer(directives: Sequence[DirectiveNode] | None) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in directives or () if d.name.value != "defer")


def _primary_set(selection_set: SelectionSetNode, variables: Mapping[str, Any]) -> SelectionSetNode:
    selections: list[Any] = []
    for node in selection_set.selections:
        if deferred(node, variables):
            continue
        if getattr(node, "selection_set", None) is not None:
            node = dataclasses.replace(node, selection_set=_primary_set(node.selection_set, variables))
        selections.append(node)
    if not selections:  # a selection set may not be empty; the placeholder is cut from the answer
        selections.append(_TYPENAME_FIELD)
    return dataclasses.replace(selection_set, selections=tuple(selections))


def _full_set(selection_set: SelectionSetNode, *, typename: bool) -> SelectionSetNode:
    selections: list[Any] = [_TYPENAME_FIELD] if typename else []
    for node in selection_set.selections:
        changes: dict[str, Any] = {}
        if not isinstance(node, FieldNode) and _directive(node.directives, "defer") is not None:
            changes["directives"] = _without_defer(node.directives)
        if getattr(node, "selection_set", None) is not None:
            changes["selection_set"] = _full_set(node.selection_set, typename=isinstance(node, FieldNode))
        selections.append(dataclasses.replace(node, **changes) if changes else node)
    return dataclasses.replace(selection_set, selections=tuple(selections))


def primary_document(document: DocumentNode, variables: Mapping[str, Any]) -> DocumentNode:
    """The document with every active deferred fragment removed."""
    return DocumentNode(definitions=tuple(
        dataclasses.replace(d, selection_set=_primary_set(d.selection_set, variables))
        if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode)) else d
        for d in document.definitions
    ))


def full_document(document: DocumentNode) -> DocumentNode:
    """The document without ``@defer``, selecting the private ``__typename`` in every object."""
    return DocumentNode(definitions=tuple(
        dataclasses.replace(d, selection_set=_full_set(d.selection_set, typename=False))
        if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode)) else d
        for d in document.definitions
    ))


# ------------------------------------------------------------------ the deferred fragments
@dataclass(frozen=True)
class PathStep:
    """Descend into ``key`` of an object whose runtime type satisfies ``conditions``."""

    conditions: tuple[str, ...]
    key: str


@dataclass
class DeferredFragment:
    """One ``@defer`` fragment: where its objects are, relative to the enclosing delivery's object."""

    label: str | None
    path: tuple[PathStep, ...]
    conditions: tuple[str, ...]  # type conditions the object itself must satisfy
    selection_set: SelectionSetNode
    children: list["DeferredFragment"] = field(default_factory=list)


def deferred_fragments(
    document: DocumentNode, operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> list[DeferredFragment]:
    """The active deferred fragments of the operation, nested ones as children of theirs."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def walk(
        selection_set: SelectionSetNode,
        steps: tuple[PathStep, ...],
        conditions: tuple[str, ...],
        out: list[DeferredFragment],
        visited: frozenset[str],
    ) -> None:
        for node in selection_set.selections:
            if not included(node.directives, variables):
                continue
            if isinstance(node, FieldNode):
                if node.selection_set is not None:
                    key = node.alias.value if node.alias else node.name.value
                    walk(node.selection_set, (*steps, PathStep(conditions, key)), (), out, visited)
                continue
            if isinstance(node, FragmentSpreadNode):
                name = node.name.value
                definition = fragments.get(name)
                if definition is None or name in visited:
                    continue
                inner, condition, visited_here = definition.selection_set, definition.type_condition, visited | {name}
            else:
                inner, condition, visited_here = node.selection_set, node.type_condition, visited
            here = (*conditions, condition.name.value) if condition is not None else conditions
            if deferred(node, variables):
                fragment = DeferredFragment(defer_label(node), steps, here, inner)
                out.append(fragment)
                walk(inner, (), (), fragment.children, visited_here)
            else:
                walk(inner, steps, here, out, visited_here)

    found: list[DeferredFragment] = []
    walk(operation.selection_set, (), (), found, frozenset())
    return found


__all__ = [
    "TYPENAME_ALIAS",
    "DeferUse",
    "DeferredFragment",
    "PathStep",
    "defer_use",
    "deferred",
    "deferred_fragments",
    "full_document",
    "primary_document",
]
