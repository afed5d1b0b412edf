"""Operation normalisation: the client's document into a ``NormalizedOperation``.

Runs GraphQL's CollectFields once per possible concrete type, so fragments are inlined,
``@skip``/``@include`` are folded (constants, and variables whose values the plan is keyed
on), fields with the same response key are merged, and abstract selections are split per
runtime type. The result is what the planner walks; it is computed once per cached plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import (
    ArgumentNode,
    print_ast,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from router.planning.errors import PlanningError
from router.planning.operation import Field, NormalizedOperation, Selection

_CONDITIONS = ("skip", "include")


def print_arguments(arguments: Sequence[ArgumentNode] | None) -> str:
    if not arguments:
        return ""
    return "(" + ", ".join(f"{a.name.value}: {print_ast(a.value)}" for a in arguments) + ")"


def variables_in(*groups: Sequence[Any] | None) -> tuple[str, ...]:
    """Names of the variables referenced anywhere inside the given AST nodes."""
    names: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, VariableNode):
            names[value.name.value] = None
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif hasattr(value, "keys") and not isinstance(value, dict):
            for key in value.keys:
                if key != "loc":
                    walk(getattr(value, key, None))

    for group in groups:
        walk(group)
    return tuple(names)


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        for operation in operations:
            if operation.name and operation.name.value == operation_name:
                return operation
        raise PlanningError(f'Unknown operation named "{operation_name}".')
    if len(operations) != 1:
        raise PlanningError("Must provide operation name if query contains multiple operations.")
    return operations[0]


def included(directives: Sequence[DirectiveNode] | None, variables: Mapping[str, Any]) -> bool:
    """Whether ``@skip``/``@include`` let a selection run (a variable without a value counts as false)."""
    for directive in directives or ():
        name = directive.name.value
        if name not in _CONDITIONS:
            continue
        value: Any = False
        for argument in directive.arguments or ():
            if argument.name.value != "if":
                continue
            if isinstance(argument.value, BooleanValueNode):
                value = argument.value.value
            elif isinstance(argument.value, VariableNode):
                value = bool(variables.get(argument.value.name.value, False))
        if (name == "skip" and value) or (name == "include" and not value):
            return False
    return True


def condition_variables(document: DocumentNode, operation_name: str | None) -> tuple[str, ...]:
    """Variables used by ``@skip``/``@include`` anywhere in the operation (and its fragments)."""
    select_operation(document, operation_name)
    names: dict[str, None] = {}

    def visit(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for node in selection_set.selections:
            for directive in node.directives or ():
                if directive.name.value in _CONDITIONS:
                    for argument in directive.arguments or ():
                        if isinstance(argument.value, VariableNode):
                            names[argument.value.name.value] = None
            visit(getattr(node, "selection_set", None))

    for definition in document.definitions:
        if isinstance(definition, (OperationDefinitionNode, FragmentDefinitionNode)):
            visit(definition.selection_set)
    return tuple(names)


class Normalizer:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        self._memo: dict[tuple[str, tuple[int, ...]], Selection] = {}
        self._possible: dict[str, tuple[str, ...]] = {}

    # --- conditions ---------------------------------------------------------------------

    def included(self, directives: Sequence[DirectiveNode] | None) -> bool:
        return included(directives, self.variables)

    # --- types --------------------------------------------------------------------------

    def possible(self, type_name: str) -> tuple[str, ...]:
        found = self._possible.get(type_name)
        if found is None:
            graphql_type = self.schema.type_map.get(type_name)
            if isinstance(graphql_type, (GraphQLInterfaceType, GraphQLUnionType)):
                found = tuple(t.name for t in self.schema.get_possible_types(graphql_type))
            else:
                found = (type_name,)
            self._possible[type_name] = found
        return found

    def applies(self, condition: str | None, concrete: str) -> bool:
        return condition is None or condition == concrete or concrete in self.possible(condition)

    # --- selections ---------------------------------------------------------------------

    def selection(self, parent: GraphQLNamedType, sets: Sequence[SelectionSetNode]) -> Selection:
        memo_key = (parent.name, tuple(id(s) for s in sets))
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        concrete = (parent.name,) if isinstance(parent, GraphQLObjectType) else self.possible(parent.name)
        by_type = tuple((name, self.fields(self.schema.type_map[name], sets)) for name in concrete)  # type: ignore[arg-type]
        common: tuple[Field, ...] | None = None
        if by_type and all(fields == by_type[0][1] for _, fields in by_type):
            common = by_type[0][1]
        if isinstance(parent, GraphQLInterfaceType) and not by_type:
            # no object implements it (yet): an @interfaceObject subgraph may still answer
            common = self.fields(parent, sets)  # type: ignore[arg-type]
        elif isinstance(parent, GraphQLAbstractType) and not by_type:
            common = ()
        result = Selection(parent=parent.name, by_type=by_type, common=common)
        self._memo[memo_key] = result
        return result

    def fields(self, concrete: GraphQLObjectType | GraphQLInterfaceType, sets: Sequence[SelectionSetNode]) -> tuple[Field, ...]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in sets:
            self.collect(concrete.name, selection_set, grouped, set())
        result: list[Field] = []
        for response_key, nodes in grouped.items():
            first = nodes[0]
            name = first.name.value
            child: Selection | None = None
            if name == "__typename":
                pass
            else:
                definition = concrete.fields.get(name)
                if definition is None and name == "__schema":
                    definition = SchemaMetaFieldDef
                elif definition is None and name == "__type":
                    definition = TypeMetaFieldDef
                if definition is None:
                    raise PlanningError(f"Cannot query field '{name}' on type '{concrete.name}'.")
                named = get_named_type(definition.type)
                child_sets = [n.selection_set for n in nodes if n.selection_set is not None]
                if child_sets:
                    child = self.selection(named, child_sets)
            directives = tuple(d for d in first.directives or () if d.name.value not in _CONDITIONS)
            result.append(
                Field(
                    response_key,
                    name,
                    print_arguments(first.arguments),
                    " ".join(print_ast(d) for d in directives),
                    variables_in(first.arguments, directives),
                    child,
                )
            )
        return tuple(result)

    def collect(
        self,
        concrete: str,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for node in selection_set.selections:
            if not self.included(node.directives):
                continue
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                grouped.setdefault(key, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition.name.value if node.type_condition else None
                if self.applies(condition, concrete):
                    self.collect(concrete, node.selection_set, grouped, visited)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None:
                    raise PlanningError(f'Unknown fragment "{name}".')
                if name in visited:
                    continue
                if self.applies(fragment.type_condition.name.value, concrete):
                    self.collect(concrete, fragment.selection_set, grouped, visited | {name})


def normalize(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> NormalizedOperation:
    operation = select_operation(document, operation_name)
    kind = operation.operation
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[kind]
    if root is None:
        raise PlanningError(f"Schema is not configured to execute {kind.value} operation.")
    normalizer = Normalizer(schema, document, operation, variables or {})
    selection = normalizer.selection(root, [operation.selection_set])
    return NormalizedOperation(
        kind=kind.value,  # type: ignore[arg-type]
        name=operation.name.value if operation.name else None,
        root_type=root.name,
        selection=selection,
        variable_definitions=tuple(operation.variable_definitions or ()),
    )


__all__ = ["condition_variables", "normalize", "select_operation"]
