"""``QueryPlanner``: normalise, plan steps, optimise, freeze; with an LRU plan cache.

Plans are pure functions of (operation, operation name, values of the variables used in
``@skip``/``@include``, active ``@override`` labels), which is exactly the cache key, so
conditional fields cost nothing at execution time and a cached plan is always right.
"""

from __future__ import annotations

import random
import re
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Any

from graphql import DocumentNode, GraphQLInterfaceType, GraphQLUnionType, print_ast

from router.planning.aliases import assign_internal_aliases
from router.planning.builder import RequirementFields, StepPlanner
from router.planning.fold import fold_fragments
from router.planning.graph import FederationGraph
from router.planning.normalize import condition_variables, normalize
from router.planning.operation import Field, NormalizedOperation
from router.planning.optimize import merge_siblings, reduce_dependencies
from router.planning.plan import EntityInputSpec, FetchNode, LocalNode, QueryPlan
from router.planning.shape import ShapeCompiler, ShapeNode
from router.planning.steps import InputField, InputShape, SelectionBuilder, Step
from router.supergraph.model import Supergraph

_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")


class QueryPlanner:
    def __init__(self, supergraph: Supergraph, cache_size: int = 2048) -> None:
        self.supergraph = supergraph
        self.requirements = RequirementFields(supergraph.schema)
        self.shapes = ShapeCompiler(supergraph.schema, supergraph.api_schema)
        self._graphs: dict[frozenset[str], FederationGraph] = {}
        self._cache: OrderedDict[Hashable, QueryPlan] = OrderedDict()
        self._conditions: OrderedDict[Hashable, tuple[str, ...]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.override_labels = sorted(
            {
                p.override_label
                for meta in supergraph.types.values()
                for placement in meta.placements.values()
                for p in placement.fields.values()
                if p.override_label
            }
        )

    # --- override labels ----------------------------------------------------------------------

    def roll_override_labels(self, enabled: frozenset[str] = frozenset()) -> frozenset[str]:
        """Active labels for one request: ``percent(x)`` labels by chance, others if ``enabled``."""
        if not self.override_labels:
            return frozenset()
        active = set()
        for label in self.override_labels:
            match = _PERCENT.match(label)
            if match:
                if random.random() * 100 < float(match.group(1)):
                    active.add(label)
            elif label in enabled:
                active.add(label)
        return frozenset(active)

    def graph(self, labels: frozenset[str]) -> FederationGraph:
        found = self._graphs.get(labels)
        if found is None:
            found = self._graphs[labels] = FederationGraph(self.supergraph, labels)
        return found

    # --- planning -------------------------------------------------------------------------------

    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        variables: Mapping[str, Any] | None = None,
        override_labels: frozenset[str] | None = None,
    ) -> QueryPlan:
        """Plan an operation (already validated against the API schema); no caching."""
        labels = self.roll_override_labels() if override_labels is None else override_labels
        operation = normalize(self.supergraph.schema, document, operation_name, variables)
        return self._plan_normalized(operation, labels)

    def plan_cached(
        self,
        key: Hashable,
        document: DocumentNode,
        operation_name: str | None = None,
        variables: Mapping[str, Any] | None = None,
        override_labels: frozenset[str] | None = None,
    ) -> QueryPlan:
        """Like ``plan``, reusing plans by ``key`` (normally the operation text).

        ``key`` must identify ``document``; the operation name, the ``@skip``/``@include``
        variable values and the override labels are added to it here.
        """
        labels = self.roll_override_labels() if override_labels is None else override_labels
        base = (key, operation_name)
        names = self._conditions.get(base)
        if names is None:
            names = condition_variables(document, operation_name)
            with self._lock:
                self._conditions[base] = names
                if len(self._conditions) > self._cache_size:
                    self._conditions.popitem(last=False)
        values = tuple(bool((variables or {}).get(n)) if (variables and n in variables) else None for n in names)
        full_key = (base, values, labels)
        with self._lock:
            found = self._cache.get(full_key)
            if found is not None:
                self._cache.move_to_end(full_key)
                return found
        plan = self.plan(document, operation_name, variables, labels)
        with self._lock:
            self._cache[full_key] = plan
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return plan

    def shape(
        self, document: DocumentNode, operation_name: str | None = None, variables: Mapping[str, Any] | None = None
    ) -> ShapeNode:
        """The response shape of ``document`` (e.g. the client's operation before auth filtering)."""
        operation = normalize(self.supergraph.schema, document, operation_name, variables)
        return self.shapes.compile(operation.selection)

    @property
    def cache_size(self) -> int:
        return len(self._cache)

    def _plan_normalized(self, operation: NormalizedOperation, labels: frozenset[str]) -> QueryPlan:
        planner = StepPlanner(self.graph(labels), operation, self.requirements)
        planner.plan_root()
        steps = merge_siblings(planner.steps)
        if operation.kind == "mutation":
            for step in steps:
                if not step.is_entity:
                    step.depends |= {other for other in steps if other.group < step.group}
        return _freeze(self.supergraph, operation, steps, planner.local_fields, self.shapes.compile(operation.selection))


# --- freezing ---------------------------------------------------------------------------------


def _variable_definitions(operation: NormalizedOperation, used: dict[str, None]) -> list[str]:
    return [print_ast(d) for d in operation.variable_definitions if d.variable.name.value in used]


def _operation_name(operation: NormalizedOperation, step: Step) -> str:
    if not operation.name:
        return ""
    subgraph = re.sub(r"[^_0-9A-Za-z]", "_", step.subgraph)
    return f"{operation.name}__{subgraph}__{step.id}"


def _representations_variable(step: Step) -> str:
    used = step.selection.variables()
    name = "representations"
    while name in used:
        name = "_" + name
    return name


def _render_step(operation: NormalizedOperation, step: Step) -> tuple[str, tuple[str, ...], str]:
    used = step.selection.variables()
    definitions = _variable_definitions(operation, used)
    names = tuple(d.variable.name.value for d in operation.variable_definitions if d.variable.name.value in used)
    selection = step.selection.render() or "__typename"
    name = _operation_name(operation, step)
    definitions.extend(f"${c.name}: {c.type}" for c in step.contexts)
    if step.is_entity:
        representations = _representations_variable(step)
        definitions.insert(0, f"${representations}: [_Any!]!")
        body = f"_entities(representations: ${representations}) {{ {selection} }}"
        text = f"query {name}({', '.join(definitions)}) {{ {body} }}".replace("query (", "query(")
        return text, names, selection
    head = step.operation_kind
    if name:
        head += " " + name
    if definitions:
        head += f"({', '.join(definitions)})"
    return f"{head} {{ {selection} }}", names, selection


def _expand_inputs(supergraph: Supergraph, step: Step) -> dict[str, EntityInputSpec]:
    specs: dict[str, EntityInputSpec] = {}
    for type_name, entity_input in step.inputs.items():
        specs[type_name] = EntityInputSpec(entity_input.sent_type, tuple(entity_input.fields))
    for type_name, entity_input in step.inputs.items():
        graphql_type = supergraph.schema.type_map.get(type_name)
        if isinstance(graphql_type, (GraphQLInterfaceType, GraphQLUnionType)):
            for possible in supergraph.schema_possible(type_name):
                specs.setdefault(possible, specs[type_name])
    return specs


def _input_text(fields: tuple[InputField, ...]) -> str:
    parts = []
    for item in fields:
        text = item.name if item.source_key == item.name else f"{item.source_key}: {item.name}"
        if item.child is not None:
            text += " { " + _shape_text(item.child) + " }"
        parts.append(text)
    return " ".join(parts)


def _shape_text(shape: InputShape) -> str:
    if shape.default is not None and not shape.by_type:
        return _input_text(shape.default)
    if len(shape.by_type) == 1:
        return _input_text(shape.by_type[0][1])
    return " ".join(f"... on {name} {{ {_input_text(fields)} }}" for name, fields in shape.by_type)


def _requires_text(step: Step) -> str:
    parts = []
    for type_name, entity_input in step.inputs.items():
        inner = " ".join(["__typename", _input_text(tuple(entity_input.fields))]).strip()
        parts.append(f"... on {entity_input.sent_type} {{ {inner} }}")
    return " ".join(dict.fromkeys(parts))


def _freeze(
    supergraph: Supergraph,
    operation: NormalizedOperation,
    steps: list[Step],
    local_fields: list[Field],
    shape: ShapeNode,
) -> QueryPlan:
    renumber = {step.id: index for index, step in enumerate(steps)}
    reduced = reduce_dependencies(steps)
    fetches: list[FetchNode] = []
    for step in steps:
        fold_fragments(step.selection, step.subgraph, supergraph)
        renames = assign_internal_aliases(step.selection)
        text, names, selection = _render_step(operation, step)
        fetches.append(
            FetchNode(
                id=renumber[step.id],
                subgraph=step.subgraph,
                operation=text,
                operation_kind=step.operation_kind,
                variable_names=names,
                is_entity=step.is_entity,
                path=step.path,
                inputs=_expand_inputs(supergraph, step) if step.is_entity else {},
                depends_on=tuple(sorted(renumber[d] for d in reduced[step.id] if d in renumber)),
                representations_variable=_representations_variable(step),
                renames=renames,
                contexts=tuple(step.contexts),
                selection_text=selection,
                requires_text=_requires_text(step) if step.is_entity else "",
            )
        )
    dependents: dict[int, list[int]] = {f.id: [] for f in fetches}
    for fetch in fetches:
        for dep in fetch.depends_on:
            dependents[dep].append(fetch.id)
    local = _local_node(operation, local_fields) if local_fields else None
    return QueryPlan(
        operation_kind=operation.kind,
        operation_name=operation.name,
        fetches=tuple(fetches),
        shape=shape,
        local=local,
        dependents={k: tuple(v) for k, v in dependents.items()},
    )


def _local_node(operation: NormalizedOperation, fields: list[Field]) -> LocalNode:
    """Root introspection fields, printed back as a query graphql-core can execute locally."""
    builder = SelectionBuilder()
    used: dict[str, None] = {}

    def add(target: SelectionBuilder, field: Field) -> None:
        built = target.add(field, field.selection is not None)
        for name in field.variables:
            used[name] = None
        if field.selection is not None and built.child is not None:
            selection = field.selection
            if selection.common is not None and len(selection.by_type) <= 1:
                for child in selection.common:
                    add(built.child, child)
            else:
                for type_name, child_fields in selection.by_type:
                    fragment = built.child.fragment(type_name)
                    for child in child_fields:
                        add(fragment, child)

    for field in fields:
        add(builder, field)
    definitions = _variable_definitions(operation, used)
    head = operation.kind + (f"({', '.join(definitions)})" if definitions else "")
    names = tuple(d.variable.name.value for d in operation.variable_definitions if d.variable.name.value in used)
    return LocalNode(f"{head} {{ {builder.render()} }}", names)
