"""The expected answer of an operation, computed without any federation at all.

Because every value in a random graph derives from identities (``data.py``), the right
answer can be computed directly: graphql-core executes the operation over the API
schema, and each field is resolved with the rules of the subgraph that really owns it
(the one that overrides it, never one where it is @external). Required fields are
evaluated the same way, so ``@requires`` answers are known too. This third opinion
decides who is right when our router and @apollo/gateway disagree.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLIncludeDirective,
    GraphQLSkipDirective,
    InlineFragmentNode,
    get_named_type,
    get_operation_ast,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    build_schema,
    experimental_execute_incrementally,
    parse,
)
from graphql.execution.values import get_argument_values, get_directive_values, get_variable_values

from tests.differential.data import KEY_NAMES, SubgraphData, _canonical, digest
from tests.differential.graphs import FieldSpec, GraphSpec
from tests.differential.operations import Operation


class Truth:
    def __init__(self, graph: GraphSpec, api_sdl: str, subgraphs: dict[str, SubgraphData]) -> None:
        self.graph = graph
        self.subgraphs = subgraphs
        self.schema = build_schema(api_sdl)
        self.kinds = len(graph.object_types)
        for t in self.schema.type_map.values():
            if isinstance(t, (GraphQLInterfaceType, GraphQLUnionType)):
                t.resolve_type = lambda obj, _info, _type: obj["__typename"]  # type: ignore[assignment]
        self._owners: dict[tuple[str, str], tuple[SubgraphData, FieldSpec, str]] = {}
        self._fieldsets: dict[str, list[FieldNode]] = {}
        self.never_fail = graph.required_names
        self.requiring = 0

    def execute(self, op: Operation) -> dict[str, Any]:
        document = parse(op.text)
        result = experimental_execute_incrementally(self.schema, document, variable_values=op.variables,
                         operation_name=op.operation_name, field_resolver=self.resolve)
        # (the plain `execute` refuses API schemas, which declare @defer)
        out: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
        if result.errors:  # type: ignore[union-attr]
            out["errors"] = [e.formatted for e in result.errors]  # type: ignore[union-attr]
        elif self.selects_unauthorized(document, op):
            # Like Apollo Router, ours refuses unauthorized selections before executing: one
            # error per selection, whether or not any object reaches it at runtime.
            out["errors"] = [{"message": "unauthorized selection (reported before execution)"}]
        return out

    def selects_unauthorized(self, document: DocumentNode, op: Operation) -> bool:
        operation = get_operation_ast(document, op.operation_name)
        if operation is None:
            return False
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), op.variables)
        if isinstance(coerced, list):
            return False  # a request error
        variables = coerced  # graphql-core's own coerced-values object, as get_directive_values wants it
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        root = self.schema.get_root_type(operation.operation)

        def included(node: Any) -> bool:
            skip = get_directive_values(GraphQLSkipDirective, node, variables)
            include = get_directive_values(GraphQLIncludeDirective, node, variables)
            return not (skip and skip["if"]) and not (include and not include["if"])

        def walk(selection_set: Any, parent: Any) -> bool:
            for node in selection_set.selections:
                if not included(node):
                    continue
                if isinstance(node, FieldNode):
                    name = node.name.value
                    if name.startswith("__"):
                        continue
                    if self.unauthorized(parent, name):
                        return True
                    if node.selection_set is not None and walk(node.selection_set, get_named_type(parent.fields[name].type)):
                        return True
                elif isinstance(node, InlineFragmentNode):
                    target = self.schema.type_map[node.type_condition.name.value] if node.type_condition else parent
                    if walk(node.selection_set, target):
                        return True
                else:
                    fragment = fragments[node.name.value]
                    if walk(fragment.selection_set, self.schema.type_map[fragment.type_condition.name.value]):
                        return True
            return False

        return root is not None and walk(operation.selection_set, root)

    def unauthorized(self, parent: Any, name: str) -> bool:
        """A field needing authentication; on an interface, when any implementation's does."""
        types = self.schema.get_possible_types(parent) if isinstance(parent, GraphQLInterfaceType) else [parent]
        for t in types:
            try:
                if self.owner(t.name, name)[1].authenticated:
                    return True
            except LookupError:
                continue
        return False

    # ---- who resolves a field --------------------------------------------------------

    def owner(self, type_name: str, field_name: str) -> tuple[SubgraphData, FieldSpec, str]:
        key = (type_name, field_name)
        found = self._owners.get(key)
        if found is None:
            found = self._owners[key] = self._find_owner(type_name, field_name)
        return found

    def _find_owner(self, type_name: str, field_name: str) -> tuple[SubgraphData, FieldSpec, str]:
        candidates = []
        for data in self.subgraphs.values():
            spec = data.spec
            if type_name in ("Query", "Mutation"):
                fs = (spec.query if type_name == "Query" else spec.mutation).get(field_name)
                if fs is not None:
                    candidates.append((data, fs, type_name))
                continue
            t = spec.types.get(type_name)
            if t is not None and t.kind == "object" and not t.interface_object:
                fs = t.fields.get(field_name)
                if fs is not None and not fs.external and not fs.overridden and not fs.inactive:
                    candidates.append((data, fs, type_name))
        if not candidates:
            api_type = self.schema.type_map[type_name]
            assert isinstance(api_type, GraphQLObjectType)
            for interface in api_type.interfaces:
                for data in self.subgraphs.values():
                    t = data.spec.types.get(interface.name)
                    if t is not None and t.interface_object and field_name in t.fields:
                        candidates.append((data, t.fields[field_name], interface.name))
        if not candidates:
            raise LookupError(f"nobody resolves {type_name}.{field_name}")
        candidates.sort(key=lambda c: c[1].override_from is None)
        return candidates[0]

    # ---- values ----------------------------------------------------------------------

    def resolve(self, source: Any, info: Any, **args: Any) -> Any:
        return self.value(source, info.parent_type.name, info.field_name, args)

    def value(self, source: Any, type_name: str, field_name: str, args: dict[str, Any]) -> Any:
        data, fs, local_parent = self.owner(type_name, field_name)
        local_type = data.schema.type_map[local_parent].fields[field_name].type  # type: ignore[union-attr]
        n = source["__id"] if source else 0
        if field_name in KEY_NAMES:
            return data._key_value(field_name, local_type, n)
        if fs.authenticated and not self.requiring:
            raise GraphQLError(f"{type_name}.{field_name} needs an authenticated caller")
        required = self.required(source, type_name, fs.requires) if fs.requires else None
        seed = digest(n, field_name, _canonical(args), _canonical(required))
        if self.graph.errors and field_name not in self.never_fail and seed % 19 == 3:
            raise GraphQLError(f"{type_name}.{field_name} failed for {n}")
        if not isinstance(local_type, GraphQLNonNull) and (seed >> 8) % 7 == 0:
            return None
        return self._concrete(data._value(local_type, seed, frozenset()))

    def _concrete(self, value: Any) -> Any:
        """Objects an @interfaceObject subgraph returns are of the type their identity names."""
        if isinstance(value, list):
            return [self._concrete(v) for v in value]
        if not isinstance(value, dict) or "__id" not in value:  # a scalar (maybe custom, JSON)
            return value
        api_type = self.schema.type_map.get(value["__typename"])
        if api_type is None or isinstance(api_type, GraphQLInterfaceType):
            return {**value, "__typename": self.graph.object_types[value["__id"] % self.kinds]}
        return value

    def required(self, source: Any, type_name: str, fieldset: str) -> Any:
        nodes = self._fieldsets.get(fieldset)
        if nodes is None:
            document = parse("{" + fieldset + "}")
            nodes = self._fieldsets[fieldset] = list(document.definitions[0].selection_set.selections)  # type: ignore[attr-defined]
        self.requiring += 1  # what routers fetch for themselves is not subject to the caller's rights
        try:
            return self._select(source, type_name, nodes)
        finally:
            self.requiring -= 1

    def _select(self, obj: Any, type_name: str, nodes: list[FieldNode]) -> Any:
        out = []
        for node in nodes:
            name = node.name.value
            # the owner's definition: required fields and argument values may be @inaccessible
            data, _, local_parent = self.owner(type_name, name)
            field_def = data.schema.type_map[local_parent].fields[name]  # type: ignore[union-attr]
            args = get_argument_values(field_def, node)
            value = self.value(obj, type_name, name, args)
            if node.selection_set is not None:
                value = self._select_nested(value, list(node.selection_set.selections))  # type: ignore[arg-type]
            out.append((name, value))
        return out

    def _select_nested(self, value: Any, nodes: list[FieldNode]) -> Any:
        if value is None:
            return None
        if isinstance(value, list):
            return [self._select_nested(v, nodes) for v in value]
        return self._select(value, value["__typename"], nodes)
