"""A stand-in for the federation core in HTTP-layer tests: graphql-core executing a local schema.

The server tests check transport, guards and authorization filtering; they need an
engine that answers real GraphQL, not a federated one. It records what the pipeline
handed it (documents, headers) so tests can assert on what would reach subgraphs.
Shaping after authorization is emulated by nulling fields absent from the filtered
operation, which is what the core executor does with ``shape_operation``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute,
    print_ast,
)

from router.gateway.authorization import AuthorizationRules


def _response_paths(document: DocumentNode) -> set[tuple[str, ...]]:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    paths: set[tuple[str, ...]] = set()

    def walk(selection_set: SelectionSetNode | None, prefix: tuple[str, ...]) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                paths.add(prefix + (key,))
                walk(selection.selection_set, prefix + (key,))
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, prefix)
            elif isinstance(selection, FragmentSpreadNode):
                walk(fragments[selection.name.value].selection_set, prefix)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set, ())
    return paths


class LocalEngine:
    def __init__(self, sdl: str, root_value: Any = None) -> None:
        self.api_schema: GraphQLSchema = build_schema(sdl)
        self.authorization = AuthorizationRules.from_schema_directives(self.api_schema)
        self.root_value = root_value
        self.plan_calls: list[str] = []
        self.executed: list[dict[str, Any]] = []
        self.closed = False

    def plan(
        self, cache_key: str, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
    ) -> Any:
        self.plan_calls.append(cache_key)
        return (document, operation_name)

    async def execute(
        self,
        plan: Any,
        variables: Mapping[str, Any],
        *,
        headers: Mapping[str, str],
        shape_document: DocumentNode | None,
        operation_name: str | None,
        errors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        document, name = plan
        self.executed.append(
            {"query": print_ast(document), "variables": dict(variables), "headers": dict(headers)}
        )
        run_document = document
        middleware = None
        if shape_document is not None:
            allowed = _response_paths(document)
            run_document = shape_document

            def null_removed(next_: Any, root: Any, info: Any, **args: Any) -> Any:
                path = tuple(key for key in info.path.as_list() if isinstance(key, str))
                if path not in allowed:
                    return None
                return next_(root, info, **args)

            middleware = [null_removed]
        result = execute(
            self.api_schema,
            run_document,
            self.root_value,
            variable_values=dict(variables),
            operation_name=name,
            middleware=middleware,
        )
        if hasattr(result, "__await__"):
            result = await result
        body: dict[str, Any] = {"data": result.data}
        all_errors = [*(errors or ()), *(error.formatted for error in result.errors or ())]
        if all_errors:
            body["errors"] = all_errors
        return body

    async def aclose(self) -> None:
        self.closed = True
