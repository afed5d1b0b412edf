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

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode, OperationType, SelectionSetNode

from router.planning.errors import PlanningError
from router.planning.graph import EntityOption, FederationGraph, Provided
from router.planning.normalize import Normalizer
from router.planning.operation import Field, NormalizedOperation, Selection
from router.planning.steps import (
    ContextVariable,
    EntityInput,
    FieldBuilder,
    InputField,
    InputShape,
    SelectionBuilder,
    Step,
)
from router.supergraph.model import FieldPlacement

INF = 1 << 40
JUMP = 1000  # one more fetch; each field moved through a jump adds 1 (less data in later fetches)
MAX_DEPTH = 24
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
    anchor: "Anchor" = None  # nearest entity above (or at) this position, and the fields since
    parent: "Position | None" = None  # the position of the object holding this one (for @fromContext)


@dataclass(frozen=True, slots=True)
class Split:
    """Plan the same field several times, each part with some of its subfields, by its own route."""

    parts: tuple[Field, ...]


Decision = EntityOption | Split | None
# (entity type, ((type, field), ...) walked from it): another subgraph that resolves the
# same walk from the same entity could equally have produced the objects here.
Anchor = tuple[str, tuple[tuple[str, str], ...]] | None


class RequirementFields:
    """Key and ``@requires`` field sets normalised into ``Field`` tuples, once per type."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._memo: dict[tuple[str, int], Selection] = {}
        # field sets are selections without a document: normalise them with an empty one
        placeholder = OperationDefinitionNode(operation=OperationType.QUERY, selection_set=SelectionSetNode(selections=()))
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
        self._entity_steps: dict[tuple[int, str, tuple[str, ...], frozenset[int], int, str], Step] = {}
        self._cost_memo: dict[tuple[object, ...], tuple[int, Decision]] = {}
        self._keepalive: list[object] = []
        self._sizes: dict[int, int] = {}
        self.group = 0
        self.local_fields: list[Field] = []
        self.context_names: dict[tuple[object, ...], str] = {}

    # --- steps ------------------------------------------------------------------------------

    def new_step(self, subgraph: str, path: tuple[str, ...], is_entity: bool, parent: Step | None) -> Step:
        kind = "query" if is_entity else self.operation.kind
        step = Step(len(self.steps), subgraph, kind, path, is_entity, parent=parent, group=self.group)
        self.steps.append(step)
        return step

    def entity_step(
        self,
        parent: Step,
        subgraph: str,
        path: tuple[str, ...],
        deps: frozenset[Step],
        type_name: str,
        sent_type: str,
        inputs: list[InputField],
        landing: Field | None = None,
    ) -> Step:
        """The step for this jump: shared with earlier jumps unless their representations clash,
        or the field that lands there clashes with one already selected on the sent type (several
        object types sent as one @interfaceObject type share that selection)."""
        variant = 0
        # Objects of several types sent as one @interfaceObject type would share one selection,
        # so each type would be asked (and could fail on) fields only another type selected:
        # one step per type, merged later when their selections turn out identical.
        sent_for = type_name if sent_type != type_name else ""
        while True:
            key = (parent.id, subgraph, path, frozenset(d.id for d in deps), variant, sent_for)
            found = self._entity_steps.get(key)
            if found is None:
                found = self.new_step(subgraph, path, True, parent)
                found.depends |= set(deps)
                self._entity_steps[key] = found
            shared = found.selection.fragments.get(sent_type)
            if landing is not None and shared is not None and shared.clashes_with(landing):
                variant += 1
                continue
            existing = found.inputs.get(type_name)
            if existing is None:
                found.inputs[type_name] = EntityInput(sent_type, list(inputs))
                return found
            if existing.compatible(sent_type, inputs):
                existing.extend(inputs)
                return found
            variant += 1

    # --- cost estimates ---------------------------------------------------------------------

    def field_cost(
        self, subgraph: str, sub_type: str, type_name: str, field: Field, provided: Provided, depth: int
    ) -> tuple[int, "Decision"]:
        """(extra fetches needed, jump to take or None to stay) for one field at one position."""
        memo_key = (subgraph, sub_type, type_name, id(field), tuple(id(p) for p in provided), depth)
        found = self._cost_memo.get(memo_key)
        if found is not None:
            return found
        self._keepalive.append(field)  # ids in memo keys must not be reused by new objects
        self._cost_memo[memo_key] = (INF, None)  # cycle guard
        result = self._field_cost(subgraph, sub_type, type_name, field, provided, depth)
        self._cost_memo[memo_key] = result
        return result

    def _field_cost(
        self, subgraph: str, sub_type: str, type_name: str, field: Field, provided: Provided, depth: int
    ) -> tuple[int, "Decision"]:
        if field.name == "__typename":
            return 0, None
        local = self.graph.local(subgraph, sub_type, field.name, provided)
        best: tuple[int, Decision] = (INF, None)
        if local is not None and not local.entity_only:
            best = (self.child_cost(subgraph, sub_type, type_name, field, local, provided, depth), None)
            if best[0] == 0:
                return best
        if depth >= MAX_DEPTH:
            return best
        for option in self.graph.entity_options(type_name):
            if option.subgraph == subgraph and (local is None or not local.entity_only):
                continue
            target = self.graph.field_in_option(option, field.name)
            if target is None:
                continue
            needed = self.requirement_fields(type_name, option, target)
            requirement_cost = self.fields_cost(subgraph, sub_type, type_name, needed, provided, depth + 1)
            if requirement_cost >= INF:
                continue
            child = self.child_cost(option.subgraph, option.sent_type, type_name, field, target, (), depth + 1)
            total = JUMP + self.size(field) + requirement_cost + child
            if total < best[0]:
                best = (total, option)
        if best[0] >= INF:
            split = self.split(subgraph, sub_type, type_name, field, provided, depth)
            if split is not None:
                best = split
        return best

    def split(
        self, subgraph: str, sub_type: str, type_name: str, field: Field, provided: Provided, depth: int
    ) -> tuple[int, "Decision"] | None:
        """Resolve an object field's subfields through several routes (here and/or jumps).

        Needed when no single subgraph can resolve the whole selection below a value type:
        each subgraph that has the field (reached through the parent entity) serves the
        subfields it can, and the answers merge into the same object.
        """
        if field.selection is None:
            return None
        child = self.graph.named_type(type_name, field.name)
        if child is None or self.graph.is_abstract(child):
            return None
        routes: list[tuple[str, Provided]] = []
        local = self.graph.local(subgraph, sub_type, field.name, provided)
        if local is not None and not local.entity_only:
            routes.append((subgraph, self.graph.provided_child(provided, sub_type, field.name, local)))
        for option in self.graph.entity_options(type_name):
            if option.subgraph == subgraph or any(r[0] == option.subgraph for r in routes):
                continue
            target = self.graph.field_in_option(option, field.name)
            if target is None:
                continue
            needed = self.requirement_fields(type_name, option, target)
            if self.fields_cost(subgraph, sub_type, type_name, needed, provided, depth + 1) >= INF:
                continue
            routes.append((option.subgraph, self.graph.provided_child((), option.sent_type, field.name, target)))
        if len(routes) < 2:
            return None
        remaining = list(field.selection.fields_for(child))
        parts: list[Field] = []
        while remaining:
            best: list[Field] = []
            for route_subgraph, route_provided in routes:
                covered = [
                    sub
                    for sub in remaining
                    if self.field_cost(route_subgraph, child, child, sub, route_provided, depth + 1)[0] < INF
                ]
                if len(covered) > len(best):
                    best = covered
            if not best:
                return None
            parts.append(self._restricted(field, child, tuple(best)))
            remaining = [sub for sub in remaining if sub not in best]
        if len(parts) < 2:
            return None
        total = 0
        for part in parts:
            cost, _ = self.field_cost(subgraph, sub_type, type_name, part, provided, depth)
            if cost >= INF:
                return None
            total += cost
        return total, Split(tuple(parts))

    def _restricted(self, field: Field, child: str, fields: tuple[Field, ...]) -> Field:
        restricted = replace(field, selection=Selection(child, ((child, fields),), fields))
        self._keepalive.append(restricted)
        return restricted

    def size(self, field: Field) -> int:
        """Fields in the subtree below (and including) ``field``."""
        if field.selection is None:
            return 1
        found = self._sizes.get(id(field))
        if found is None:
            self._keepalive.append(field)
            found = 1 + sum(self.size(sub) for _, subs in field.selection.by_type for sub in subs)
            self._sizes[id(field)] = found
        return found

    def fields_cost(
        self, subgraph: str, sub_type: str, type_name: str, fields: tuple[Field, ...], provided: Provided, depth: int
    ) -> int:
        total = 0
        jumps: set[str] = set()
        for field in fields:
            cost, option = self.field_cost(subgraph, sub_type, type_name, field, provided, depth)
            if cost >= INF:
                return INF
            if isinstance(option, EntityOption):
                cost -= JUMP
                jumps.add(option.subgraph)
            total += cost
        return total + JUMP * len(jumps)

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
                return JUMP
            total = 0
            for concrete in self.supergraph.possible_types_in(subgraph, child):
                cost = self.fields_cost(subgraph, concrete, concrete, selection.fields_for(concrete), provided_child, depth)
                if cost >= INF:
                    return INF
                total += cost
            return total
        return self.fields_cost(subgraph, child, child, selection.fields_for(child), provided_child, depth)

    def _uniform(self, selection: Selection) -> bool:
        """Whether an @interfaceObject subgraph can serve this selection without knowing real types."""
        if selection.common is None:
            return False
        interface = self.graph.schema.type_map.get(selection.parent)
        fields = getattr(interface, "fields", {})
        return all(f.name != "__typename" and f.name in fields for f in selection.common)

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
            pos.builder.add(field, False, "String!")
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
        elif isinstance(option, Split):
            for part in option.parts:
                self.plan_field(pos, part, collector)
        else:
            self.jump(pos, field, option, collector)

    def add_here(self, pos: Position, field: Field, placement: FieldPlacement | None, collector: set[Step] | None) -> None:
        composite = field.selection is not None
        if placement is not None and placement.type:
            type_ref = placement.type
        else:
            field_type = self.graph.field_type(pos.type_name, field.name)
            type_ref = str(field_type) if field_type is not None else ""
        built = pos.builder.add(field, composite, type_ref)
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
        anchor: Anchor = None
        if pos.anchor is not None:
            anchor = (pos.anchor[0], pos.anchor[1] + ((pos.type_name, field.name),))
        # A helper field sharing a client field's response key (a requirement such as
        # `items { weight }` beside the client's `items { id: sku }`) fills the same objects:
        # helpers below it must keep clear of the client's fields there too.
        twin = next(
            (c for c in pos.client if c is not field and c.response_key == field.response_key and c.selection is not None),
            None,
        )
        if self.graph.is_abstract(child):
            declared = _named(placement.type) if placement is not None and placement.type else None
            only = [declared] if declared and declared != child and not self.graph.is_abstract(declared) else None
            self.plan_abstract(
                pos.step, built.child, path, child, field.selection, provided, collector, anchor, only, pos,
                twin.selection if twin is not None else None,
            )
            return
        fields = field.selection.fields_for(child)
        client = fields
        if twin is not None and twin.selection is not None:
            client = fields + tuple(f for f in twin.selection.fields_for(child) if f not in fields)
        self.plan_fields(
            Position(pos.step, built.child, path, child, child, provided, client, self._anchor_at(child, anchor), pos),
            fields,
            collector,
        )

    def _anchor_at(self, type_name: str, inherited: Anchor) -> Anchor:
        if self.graph.is_entity(type_name):
            return (type_name, ())
        return inherited

    def _shared_walk(self, subgraph: str, anchor: Anchor) -> bool:
        """Whether ``subgraph`` resolves the anchor's walk too (from a resolvable key of the entity)."""
        if anchor is None:
            return False
        entity, trail = anchor
        meta = self.supergraph.types.get(entity)
        placement = meta.placements.get(subgraph) if meta else None
        if placement is None or not placement.resolvable_keys:
            return False
        for type_name, field_name in trail:
            field_placement = self.graph.placement(subgraph, type_name, field_name)
            if field_placement is None or field_placement.external or not self.graph.active(field_placement):
                return False
        return True

    def plan_abstract(
        self,
        step: Step,
        builder: SelectionBuilder,
        path: tuple[str, ...],
        abstract: str,
        selection: Selection,
        provided: Provided,
        collector: set[Step] | None,
        anchor: Anchor = None,
        only: list[str] | None = None,
        parent: Position | None = None,
        client: Selection | None = None,
    ) -> None:
        """``only``: the subgraph declares the field with this object type instead. ``client``:
        more fields selected on the same objects than ``selection`` (what is left to plan):
        helper fields must stay clear of those too."""
        subgraph = step.subgraph
        builder.add_typename()
        builder.abstract = abstract
        if self.graph.is_interface_object(subgraph, abstract):
            if self._uniform(selection):
                fields = selection.common or ()
                self.plan_fields(
                    Position(step, builder, path, abstract, abstract, provided, fields, None, parent), fields, collector
                )
                return
            # The subgraph only knows the interface: learn each object's real type from a
            # subgraph that has the interface itself, and continue from there. Fields every
            # type selects alike and this subgraph resolves are taken here first.
            original = selection
            selected = tuple(f for _, fields in selection.by_type for f in fields) + (selection.common or ())
            here = self._shared_interface_fields(subgraph, abstract, selection, provided)
            if here:
                self.plan_fields(
                    Position(step, builder, path, abstract, abstract, provided, here, None, parent), here, collector
                )
                selection = Selection(
                    selection.parent,
                    tuple((name, tuple(f for f in fields if f not in here)) for name, fields in selection.by_type),
                    None,
                )
            option = self._interface_entity_option(abstract)
            # the key is selected beside the client's fields: keep it clear of their aliases
            pos = Position(step, builder, path, abstract, abstract, provided, selected, None, parent)
            target_step, target_builder = self.entity_jump(pos, option, None, collector)
            if collector is not None:
                collector.add(target_step)
            self.plan_abstract(
                target_step, target_builder, path, abstract, selection, (), collector, None, None, parent, client or original
            )
            return
        possible = only if only is not None else self.supergraph.possible_types_in(subgraph, abstract)
        if not possible and selection.common and not self.graph.schema.get_possible_types(
            self.graph.schema.type_map[abstract]  # type: ignore[arg-type]
        ):
            # an interface nothing implements: plan its fields on the interface itself
            fields = selection.common
            self.plan_fields(
                Position(step, builder, path, abstract, abstract, provided, fields, None, parent), fields, collector
            )
            return
        if anchor is not None and anchor[1]:
            # Objects here might as well come from any subgraph resolving the same walk from the
            # same entity; only the members they all know are safe to select.
            for other in self.supergraph.subgraphs:
                if other != subgraph and self._shared_walk(other, anchor):
                    known = set(self.supergraph.possible_types_in(other, abstract))
                    possible = [p for p in possible if p in known]
        for concrete in possible:
            fields = selection.fields_for(concrete)
            if not fields:
                continue
            fragment = builder.fragment(concrete)
            selected = fields
            if client is not None:
                selected = fields + tuple(f for f in client.fields_for(concrete) if f not in fields)
            self.plan_fields(
                Position(
                    step, fragment, path, concrete, concrete, provided, selected, self._anchor_at(concrete, anchor), parent
                ),
                fields,
                collector,
            )

    def _shared_interface_fields(
        self, subgraph: str, interface: str, selection: Selection, provided: Provided
    ) -> tuple[Field, ...]:
        """Interface fields every type selects alike, planned once on the interface here.

        Local ones are always safe. When every possible type selects a field (the client
        selected it on the interface; only ``__typename`` or type-conditioned extras need the
        real types), it resolves exactly as it would without those extras, through
        @interfaceObject subgraphs too: selecting ``__typename`` must not change which
        subgraph answers a field (the @defer full document adds it everywhere). That is done
        only when no interface field selected here needs a requirement sent: such a fetch,
        planned after the real types are known, must not meet one planned on the interface."""
        if not selection.by_type:
            return ()
        interface_type = self.graph.schema.type_map.get(interface)
        interface_fields = getattr(interface_type, "fields", {})
        selected_types = {name for name, _ in selection.by_type}
        every_type = selection.common is not None or selected_types >= {
            t.name for t in self.graph.schema.get_possible_types(interface_type)  # type: ignore[arg-type]
        }
        # one pass over every type's fields: which resolve right here, and whether all the
        # others are plain jumps (any other kind keeps the type-by-type planning)
        local_fields: set[str] = set()
        for _, fields in selection.by_type:
            for field in fields:
                if field.name == "__typename" or field.name not in interface_fields or field.name in local_fields:
                    continue
                local = self.graph.local(subgraph, interface, field.name, provided)
                if local is not None and not local.entity_only:
                    local_fields.add(field.name)
                elif every_type and not self._plain_jump(subgraph, interface, field, provided):
                    every_type = False
        return tuple(
            field
            for field in selection.by_type[0][1]
            if (field.name in local_fields or (every_type and field.name != "__typename" and field.name in interface_fields))
            and all(field in fields for _, fields in selection.by_type[1:])
        )

    def _plain_jump(self, subgraph: str, interface: str, field: Field, provided: Provided) -> bool:
        """Whether the field is reached from the interface here by one entity jump with nothing
        to send besides the key (no @requires, no @fromContext)."""
        cost, option = self.field_cost(subgraph, interface, interface, field, provided, 0)
        if cost >= INF or not isinstance(option, EntityOption):
            return False
        target = self.graph.field_in_option(option, field.name)
        return target is not None and target.requires is None and not target.context_arguments

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
        producers: set[Step] = set()
        contexts: list[ContextVariable] = []
        if target is not None and target.context_arguments:
            field, contexts = self.plan_contexts(pos, field, target, producers)
        step, builder = self.entity_jump(pos, option, target, collector, producers, field)
        step.contexts.extend(c for c in contexts if c not in step.contexts)
        landed = Position(
            step, builder, pos.path, pos.type_name, option.sent_type, (), pos.client, pos.anchor, pos.parent
        )
        self.add_here(landed, field, target, collector)

    def entity_jump(
        self,
        pos: Position,
        option: EntityOption,
        target: FieldPlacement | None,
        collector: set[Step] | None,
        extra_producers: set[Step] | None = None,
        landing: Field | None = None,
    ) -> tuple[Step, SelectionBuilder]:
        needed = self.alias_helpers(self.requirement_fields(pos.type_name, option, target), pos.client)
        producers: set[Step] = {pos.step, *(extra_producers or ())}
        self.plan_fields(pos, (TYPENAME, *needed), producers)
        if collector is not None:
            collector.update(producers)
        step = self.entity_step(
            pos.step,
            option.subgraph,
            pos.path,
            frozenset(producers),
            pos.type_name,
            option.sent_type,
            input_fields(needed),
            landing,
        )
        return step, step.selection.fragment(option.sent_type)

    # --- @fromContext -----------------------------------------------------------------------

    def plan_contexts(
        self, pos: Position, field: Field, target: FieldPlacement, producers: set[Step]
    ) -> tuple[Field, list[ContextVariable]]:
        """Fetch each context value at the ancestor that sets the context; pass it as a variable."""
        contexts: list[ContextVariable] = []
        arguments: list[str] = []
        for argument in target.context_arguments:
            ancestor = pos.parent
            while ancestor is not None and not self.graph.sets_context(ancestor.type_name, argument.context):
                ancestor = ancestor.parent
            if ancestor is None:
                raise PlanningError(
                    f'No ancestor of "{pos.type_name}.{field.name}" sets context "{argument.context}"'
                )
            needed = self.alias_helpers(
                self.requirements.fields(ancestor.type_name, ancestor.type_name, argument.selection), ancestor.client
            )
            self.plan_fields(ancestor, needed, producers)
            fields = tuple(input_fields(needed))
            # the same value read the same way shares one variable (e.g. per-type copies of a field)
            identity = (argument.type, len(ancestor.path), fields)
            name = self.context_names.get(identity)
            if name is None:
                name = self.context_names[identity] = f"contextualArgument_{len(self.context_names)}"
            contexts.append(ContextVariable(name, argument.type, len(ancestor.path), fields))
            arguments.append(f"{argument.name}: ${name}")
        existing = field.arguments[1:-1] if field.arguments else ""
        merged = "(" + ", ".join([a for a in (existing, *arguments) if a]) + ")"
        return replace(field, arguments=merged), contexts

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
            if op.kind == "mutation":
                in_use = {previous.subgraph} if previous else set()
            else:
                in_use = set(root_steps)
            for subgraph, part in self.root_routes(root, field, in_use):
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
                self.add_here(pos, part, placement, None)

    def root_cost(self, root: str, subgraph: str, field: Field, in_use: set[str]) -> int:
        placement = self.graph.placement(subgraph, root, field.name)
        cost = self.child_cost(subgraph, root, root, field, placement, (), 0)
        return cost if subgraph in in_use or cost >= INF else cost + JUMP

    def root_routes(self, root: str, field: Field, in_use: set[str]) -> list[tuple[str, Field]]:
        """Where a root field is fetched: one subgraph, or (shared root fields over value
        types that no single subgraph completes) several, each with part of the selection."""
        candidates = self.graph.resolvers(root, field.name)
        if not candidates:
            raise PlanningError(f'No subgraph resolves root field "{root}.{field.name}"')
        ranked = sorted(
            (self.root_cost(root, subgraph, field, in_use), order, subgraph)
            for order, subgraph in enumerate(candidates)
        )
        if ranked[0][0] < INF:
            return [(ranked[0][2], field)]
        if self.operation.kind == "subscription":
            # One subgraph produces the events; the rest is completed through entity jumps.
            raise PlanningError(f'No single subgraph can start the subscription field "{root}.{field.name}"')
        child = self.graph.named_type(root, field.name)
        if field.selection is None or child is None or self.graph.is_abstract(child):
            raise PlanningError(f'Cannot plan root field "{root}.{field.name}"')
        remaining = list(field.selection.fields_for(child))
        routes: list[tuple[str, Field]] = []
        while remaining:
            best: tuple[list[Field], str] | None = None
            for _, _, subgraph in ranked:
                placement = self.graph.placement(subgraph, root, field.name)
                provided = self.graph.provided_child((), root, field.name, placement)
                covered = [sub for sub in remaining if self.field_cost(subgraph, child, child, sub, provided, 0)[0] < INF]
                if covered and (best is None or len(covered) > len(best[0])):
                    best = (covered, subgraph)
            if best is None:
                raise PlanningError(f'Cannot plan root field "{root}.{field.name}"')
            routes.append((best[1], self._restricted(field, child, tuple(best[0]))))
            remaining = [sub for sub in remaining if sub not in best[0]]
        return routes


def _named(type_ref: str) -> str:
    return type_ref.replace("[", "").replace("]", "").replace("!", "").strip()


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
