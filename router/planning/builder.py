"""Fetch-step planning: walk the normalised operation over the federated type graph.

Each field is resolved where the walk currently is if that subgraph can (cheapest), else
through an entity jump chosen by cost: the jump's requirements (key fields, and
``@requires`` fields of the target) are planned first at the same position, exactly like
client fields, and the new step depends on every step that produced them. Choices are
memoised estimates of "how many more fetches would this subtree need"; ties go to the
subgraph already in use, then to ``join__Graph`` order, so plans are deterministic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from graphql import GraphQLSchema, SelectionSetNode

from router.planning.errors import PlanningError
from router.planning.graph import EntityOption, FederationGraph, Provided
from router.planning.normalize import Normalizer
from router.planning.operation import Field, NormalizedOperation, Selection
from router.planning.steps import EntityInput, FieldBuilder, InputField, InputShape, SelectionBuilder, Step
from router.supergraph.model import FieldPlacement

INF = 1_000_000
MAX_DEPTH = 6
TYPENAME = Field("__typename", "__typename")
LOCAL_ROOT_FIELDS = frozenset({"__typename", "__schema", "__type"})


@dataclass(frozen=True, slots=True)
class Position:
    """Where the walk is: a step, the builder inside it, the response path and type."""

    step: Step
    builder: SelectionBuilder
    path: tuple[str, ...]
    type_name: str  # supergraph type of the objects here (concrete, or an @interfaceObject interface)
    sub_type: str  # the same type as ``step.subgraph`` names it
    provided: Provided
    client: tuple[Field, ...]  # every field selected here, to keep helper aliases clear of them


class RequirementFields:
    """Key and ``@requires`` field sets normalised into ``Field`` tuples, once per type."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._memo: dict[tuple[str, int], Selection] = {}
        from graphql import DocumentNode, OperationDefinitionNode, OperationType, SelectionSetNode as _S

        placeholder = OperationDefinitionNode(operation=OperationType.QUERY, selection_set=_S(selections=()))
        self._normalizer = Normalizer(schema, DocumentNode(definitions=(placeholder,)), placeholder, {})

    def selection(self, type_name: str, selection: SelectionSetNode) -> Selection:
        key = (type_name, id(selection))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._normalizer.selection(self.schema.type_map[type_name], [selection])  # type: ignore[arg-type]
        return found

    def fields(self, sent_type: str, type_name: str, selection: SelectionSetNode) -> tuple[Field, ...]:
        return self.selection(sent_type, selection).fields_for(type_name)


def _helper_alias(field: Field) -> str:
    digest = hashlib.sha1((field.name + field.arguments).encode()).hexdigest()[:8]
    return f"_{field.name}_{digest}"


class StepPlanner:
    """One planning run over one normalised operation."""

    def __init__(self, graph: FederationGraph, operation: NormalizedOperation, requirements: RequirementFields) -> None:
        self.graph = graph
        self.supergraph = graph.supergraph
        self.operation = operation
        self.requirements = requirements
        self.steps: list[Step] = []
        self._entity_steps: dict[tuple[int, str, tuple[str, ...], frozenset[int]], Step] = {}
        self._cost_memo: dict[tuple[object, ...], tuple[int, EntityOption | None]] = {}
        self.group = 0
        self.local_fields: list[Field] = []

    # --- steps ------------------------------------------------------------------------------

    def new_step(self, subgraph: str, path: tuple[str, ...], is_entity: bool, parent: Step | None) -> Step:
        kind = "mutation" if (self.operation.kind == "mutation" and not is_entity) else "query"
        step = Step(len(self.steps), subgraph, kind, path, is_entity, parent=parent, group=self.group)
        self.steps.append(step)
        return step

    def entity_step(self, parent: Step, subgraph: str, path: tuple[str, ...], deps: frozenset[Step]) -> Step:
        key = (parent.id, subgraph, path, frozenset(d.id for d in deps))
        found = self._entity_steps.get(key)
        if found is None:
            found = self.new_step(subgraph, path, True, parent)
            found.depends |= set(deps)
            self._entity_steps[key] = found
        return found

    # --- cost estimates ---------------------------------------------------------------------

    def field_cost(
        self, subgraph: str, sub_type: str, type_name: str, field: Field, provided: Provided, depth: int
    ) -> tuple[int, EntityOption | None]:
        """(extra fetches needed, jump to take or None to stay) for one field at one position."""
        memo_key = (subgraph, sub_type, type_name, id(field), tuple(id(p) for p in provided), depth)
        found = self._cost_memo.get(memo_key)
        if found is not None:
            return found
        self._cost_memo[memo_key] = (INF, None)  # cycle guard
        result = self._field_cost(subgraph, sub_type, type_name, field, provided, depth)
        self._cost_memo[memo_key] = result
        return result

    def _field_cost(
        self, subgraph: str, sub_type: str, type_name: str, field: Field, provided: Provided, depth: int
    ) -> tuple[int, EntityOption | None]:
        if field.name == "__typename":
            return 0, None
        local = self.graph.local(subgraph, sub_type, field.name, provided)
        if local is not None and local.requires is None:
            return self.child_cost(subgraph, sub_type, type_name, field, local, provided, depth), None
        if depth >= MAX_DEPTH:
            return INF, None
        best: tuple[int, EntityOption | None] = (INF, None)
        for option in self.graph.entity_options(type_name):
            if option.subgraph == subgraph and (local is None or local.requires is None):
                continue
            target = self.graph.field_in_option(option, field.name)
            if target is None:
                continue
            needed = self.requirement_fields(type_name, option, target)
            requirement_cost = self.fields_cost(subgraph, sub_type, type_name, needed, provided, depth + 1)
            if requirement_cost >= INF:
                continue
            child = self.child_cost(option.subgraph, option.sent_type, type_name, field, target, (), depth + 1)
            total = 1 + requirement_cost + child
            if total < best[0]:
                best = (total, option)
        return best

    def fields_cost(
        self, subgraph: str, sub_type: str, type_name: str, fields: tuple[Field, ...], provided: Provided, depth: int
    ) -> int:
        total = 0
        jumps: set[str] = set()
        for field in fields:
            cost, option = self.field_cost(subgraph, sub_type, type_name, field, provided, depth)
            if cost >= INF:
                return INF
            if option is not None:
                cost -= 1
                jumps.add(option.subgraph)
            total += cost
        return total + len(jumps)

    def child_cost(
        self,
        subgraph: str,
        sub_type: str,
        type_name: str,
        field: Field,
        placement: FieldPlacement | None,
        provided: Provided,
        depth: int,
    ) -> int:
        if field.selection is None:
            return 0
        child = self.graph.named_type(type_name, field.name)
        if child is None:
            return INF
        provided_child = self.graph.provided_child(provided, sub_type, field.name, placement)
        selection = field.selection
        if self.graph.is_abstract(child):
            if self.graph.is_interface_object(subgraph, child):
                if self._uniform(selection):
                    return self.fields_cost(subgraph, child, child, selection.common or (), provided_child, depth)
                return 1
            total = 0
            for concrete in self.supergraph.possible_types_in(subgraph, child):
                cost = self.fields_cost(subgraph, concrete, concrete, selection.fields_for(concrete), provided_child, depth)
                if cost >= INF:
                    return INF
                total += cost
            return total
        return self.fields_cost(subgraph, child, child, selection.fields_for(child), provided_child, depth)

    @staticmethod
    def _uniform(selection: Selection) -> bool:
        return selection.common is not None and all(f.name != "__typename" for f in selection.common)

    def requirement_fields(self, type_name: str, option: EntityOption, target: FieldPlacement | None) -> tuple[Field, ...]:
        fields = list(self.requirements.fields(option.sent_type, type_name, option.key.selection))
        if target is not None and target.requires is not None:
            known = {(f.response_key, f.name, f.arguments) for f in fields}
            for extra in self.requirements.fields(option.sent_type, type_name, target.requires):
                if (extra.response_key, extra.name, extra.arguments) not in known:
                    fields.append(extra)
        return tuple(fields)

    # --- the walk ---------------------------------------------------------------------------

    def plan_fields(self, pos: Position, fields: tuple[Field, ...], collector: set[Step] | None) -> None:
        for field in fields:
            self.plan_field(pos, field, collector)

    def plan_field(self, pos: Position, field: Field, collector: set[Step] | None) -> None:
        if field.name == "__typename":
            pos.builder.add(field, False)
            if collector is not None:
                collector.add(pos.step)
            return
        subgraph = pos.step.subgraph
        cost, option = self.field_cost(subgraph, pos.sub_type, pos.type_name, field, pos.provided, 0)
        if cost >= INF:
            raise PlanningError(
                f'Cannot plan field "{pos.type_name}.{field.name}" from subgraph "{subgraph}": '
                "no subgraph can resolve it from here"
            )
        if option is None:
            placement = self.graph.local(subgraph, pos.sub_type, field.name, pos.provided)
            self.add_here(pos, field, placement, collector)
        else:
            self.jump(pos, field, option, collector)

    def add_here(self, pos: Position, field: Field, placement: FieldPlacement | None, collector: set[Step] | None) -> None:
        composite = field.selection is not None
        built = pos.builder.add(field, composite)
        if collector is not None:
            collector.add(pos.step)
        if composite:
            assert built.child is not None
            self.plan_child(pos, field, built, placement, collector)

    def plan_child(
        self, pos: Position, field: Field, built: FieldBuilder, placement: FieldPlacement | None, collector: set[Step] | None
    ) -> None:
        field_type = self.graph.field_type(pos.type_name, field.name)
        if field_type is None or field.selection is None or built.child is None:
            raise PlanningError(f'Unknown field "{pos.type_name}.{field.name}"')
        child = self.graph.named_type(pos.type_name, field.name)
        assert child is not None
        path = pos.path + (field.response_key,) + ("@",) * self.graph.list_depth(field_type)
        provided = self.graph.provided_child(pos.provided, pos.sub_type, field.name, placement)
        if self.graph.is_abstract(child):
            self.plan_abstract(pos.step, built.child, path, child, field.selection, provided, collector)
            return
        fields = field.selection.fields_for(child)
        self.plan_fields(Position(pos.step, built.child, path, child, child, provided, fields), fields, collector)

    def plan_abstract(
        self,
        step: Step,
        builder: SelectionBuilder,
        path: tuple[str, ...],
        abstract: str,
        selection: Selection,
        provided: Provided,
        collector: set[Step] | None,
    ) -> None:
        subgraph = step.subgraph
        builder.add_typename()
        if self.graph.is_interface_object(subgraph, abstract):
            if self._uniform(selection):
                fields = selection.common or ()
                self.plan_fields(Position(step, builder, path, abstract, abstract, provided, fields), fields, collector)
                return
            # The subgraph only knows the interface: learn each object's real type from a
            # subgraph that has the interface itself, and continue from there.
            option = self._interface_entity_option(abstract)
            pos = Position(step, builder, path, abstract, abstract, provided, ())
            target_step, target_builder = self.entity_jump(pos, option, None, collector)
            if collector is not None:
                collector.add(target_step)
            self.plan_abstract(target_step, target_builder, path, abstract, selection, (), collector)
            return
        for concrete in self.supergraph.possible_types_in(subgraph, abstract):
            fields = selection.fields_for(concrete)
            if not fields:
                continue
            fragment = builder.fragment(concrete)
            self.plan_fields(Position(step, fragment, path, concrete, concrete, provided, fields), fields, collector)

    def _interface_entity_option(self, interface: str) -> EntityOption:
        meta = self.supergraph.types[interface]
        for subgraph, placement in meta.placements.items():
            if placement.is_interface_object:
                continue
            for key in placement.resolvable_keys:
                return EntityOption(subgraph, interface, key)
        raise PlanningError(f'No subgraph resolves the concrete types of interface "{interface}"')

    def jump(self, pos: Position, field: Field, option: EntityOption, collector: set[Step] | None) -> None:
        target = self.graph.field_in_option(option, field.name)
        step, builder = self.entity_jump(pos, option, target, collector)
        landed = Position(step, builder, pos.path, pos.type_name, option.sent_type, (), pos.client)
        self.add_here(landed, field, target, collector)

    def entity_jump(
        self, pos: Position, option: EntityOption, target: FieldPlacement | None, collector: set[Step] | None
    ) -> tuple[Step, SelectionBuilder]:
        needed = self.alias_helpers(self.requirement_fields(pos.type_name, option, target), pos.client)
        producers: set[Step] = {pos.step}
        self.plan_fields(pos, (TYPENAME, *needed), producers)
        if collector is not None:
            collector.update(producers)
        step = self.entity_step(pos.step, option.subgraph, pos.path, frozenset(producers))
        entity_input = step.inputs.get(pos.type_name)
        if entity_input is None:
            entity_input = step.inputs[pos.type_name] = EntityInput(option.sent_type)
        entity_input.extend(input_fields(needed))
        return step, step.selection.fragment(option.sent_type)

    # --- helper aliases ---------------------------------------------------------------------

    def alias_helpers(self, needed: tuple[Field, ...], client: tuple[Field, ...]) -> tuple[Field, ...]:
        """Give helper fields response keys that cannot collide with the client's."""
        result: list[Field] = []
        for field in needed:
            match = next((c for c in client if c.same_field(field)), None)
            if match is not None:
                selection = field.selection
                if selection is not None and match.selection is not None:
                    selection = self._alias_selection(selection, match.selection)
                result.append(replace(field, response_key=match.response_key, selection=selection))
                continue
            clash = any(c.response_key == field.name for c in client)
            if field.arguments or clash:
                result.append(replace(field, response_key=_helper_alias(field)))
            else:
                result.append(field)
        return tuple(result)

    def _alias_selection(self, needed: Selection, client: Selection) -> Selection:
        by_type = tuple(
            (name, self.alias_helpers(fields, client.fields_for(name))) for name, fields in needed.by_type
        )
        common = self.alias_helpers(needed.common, client.common or ()) if needed.common is not None else None
        return Selection(needed.parent, by_type, common)

    # --- roots ------------------------------------------------------------------------------

    def plan_root(self) -> None:
        op = self.operation
        root = op.root_type
        fields = op.selection.fields_for(root)
        root_steps: dict[str, Step] = {}
        previous: Step | None = None
        for field in fields:
            if field.name in LOCAL_ROOT_FIELDS:
                self.local_fields.append(field)
                continue
            subgraph = self.choose_root_subgraph(root, field, set(root_steps) if op.kind != "mutation" else (
                {previous.subgraph} if previous else set()))
            if op.kind == "mutation":
                if previous is None or previous.subgraph != subgraph:
                    self.group += 1
                    previous = self.new_step(subgraph, (), False, None)
                step = previous
            else:
                step = root_steps.get(subgraph)
                if step is None:
                    step = root_steps[subgraph] = self.new_step(subgraph, (), False, None)
            placement = self.graph.placement(subgraph, root, field.name)
            pos = Position(step, step.selection, (), root, root, (), fields)
            self.add_here(pos, field, placement, None)

    def choose_root_subgraph(self, root: str, field: Field, in_use: set[str]) -> str:
        candidates = self.graph.resolvers(root, field.name)
        if not candidates:
            raise PlanningError(f'No subgraph resolves root field "{root}.{field.name}"')
        best: tuple[int, int, str] | None = None
        for order, subgraph in enumerate(candidates):
            placement = self.graph.placement(subgraph, root, field.name)
            cost = self.child_cost(subgraph, root, root, field, placement, (), 0)
            if subgraph not in in_use:
                cost += 1
            ranked = (cost, order, subgraph)
            if best is None or ranked < best:
                best = ranked
        assert best is not None
        if best[0] >= INF:
            raise PlanningError(f'Cannot plan root field "{root}.{field.name}"')
        return best[2]


def input_fields(fields: tuple[Field, ...]) -> list[InputField]:
    result: list[InputField] = []
    for field in fields:
        if field.name == "__typename":
            continue
        child = _input_shape(field.selection) if field.selection is not None else None
        result.append(InputField(field.name, field.response_key, child))
    return result


def _input_shape(selection: Selection) -> InputShape:
    abstract = selection.parent not in {name for name, _ in selection.by_type}
    by_type = tuple((name, _with_typename(fields, abstract)) for name, fields in selection.by_type)
    default = _with_typename(selection.common, abstract) if selection.common is not None else None
    if len(by_type) == 1 and default is None:
        default = by_type[0][1]
    return InputShape(by_type, default)


def _with_typename(fields: tuple[Field, ...], abstract: bool) -> tuple[InputField, ...]:
    """Nested abstract objects carry ``__typename`` so the subgraph can read their fragments."""
    items = input_fields(fields)
    if abstract or any(f.name == "__typename" for f in fields):
        items.insert(0, InputField("__typename", "__typename"))
    return tuple(items)
