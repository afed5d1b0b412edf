"""The federated type graph the planner walks: where each field resolves and how to jump.

A node is a type as one subgraph sees it; field edges stay in the subgraph, entity edges
leave it through a key the target can resolve (``_entities``). ``@interfaceObject``
subgraphs are reached with the interface name as ``__typename``, ``@override`` (with or
without labels) and ``@external``/``@provides`` decide whether a field edge exists.
Everything here is a pure function of the supergraph and the active override labels, and
is memoised.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    FieldNode,
    SelectionSetNode,
    get_named_type,
)

from router.supergraph.model import FieldPlacement, Key, Supergraph

# Selection sets (from @provides) that apply at one position, innermost first.
Provided = tuple[SelectionSetNode, ...]


@dataclass(frozen=True, slots=True)
class EntityOption:
    """An entity jump: send ``key`` (as ``sent_type``) to ``subgraph``'s ``_entities``."""

    subgraph: str
    sent_type: str  # the concrete type, or the interface for @interfaceObject / entity interfaces
    key: Key


class FederationGraph:
    def __init__(self, supergraph: Supergraph, override_labels: frozenset[str] = frozenset()) -> None:
        self.supergraph = supergraph
        self.schema: GraphQLSchema = supergraph.schema
        self.labels = override_labels
        self.order = {name: i for i, name in enumerate(supergraph.subgraphs)}
        self._options: dict[str, tuple[EntityOption, ...]] = {}
        self._field_subgraphs: dict[tuple[str, str], tuple[str, ...]] = {}

    # --- fields ---------------------------------------------------------------------------

    def active(self, placement: FieldPlacement) -> bool:
        """Whether ``@override`` leaves this placement in charge of the field."""
        if placement.override_label:
            active = placement.override_label in self.labels
            return active if placement.override_from else not active
        return not placement.used_overridden

    def placement(self, subgraph: str, sub_type: str, field: str) -> FieldPlacement | None:
        meta = self.supergraph.types.get(sub_type)
        if meta is None:
            return None
        type_placement = meta.placements.get(subgraph)
        if type_placement is None:
            return None
        return type_placement.fields.get(field)

    def local(self, subgraph: str, sub_type: str, field: str, provided: Provided) -> FieldPlacement | None:
        """The placement if ``subgraph`` resolves ``field`` of ``sub_type`` here, without a jump."""
        placement = self.placement(subgraph, sub_type, field)
        if placement is None:
            if field == "__typename":
                return FieldPlacement(subgraph)
            return None
        if not self.active(placement):
            return None
        if placement.external and not self.is_provided(provided, sub_type, field):
            return None
        return placement

    def resolvers(self, type_name: str, field: str) -> tuple[str, ...]:
        """Subgraphs that resolve ``type_name.field`` directly (not external), in graph order."""
        cache_key = (type_name, field)
        found = self._field_subgraphs.get(cache_key)
        if found is None:
            meta = self.supergraph.types.get(type_name)
            result: list[str] = []
            if meta is not None:
                for subgraph, type_placement in meta.placements.items():
                    placement = type_placement.fields.get(field)
                    if placement is not None and not placement.external and self.active(placement):
                        result.append(subgraph)
            found = self._field_subgraphs[cache_key] = tuple(result)
        return found

    # --- @provides ------------------------------------------------------------------------

    def is_provided(self, provided: Provided, type_name: str, field: str) -> bool:
        return any(self._provided_nodes(selection, type_name, field) for selection in provided)

    def provided_child(self, provided: Provided, type_name: str, field: str, placement: FieldPlacement | None) -> Provided:
        """Selections provided below ``field``: from the enclosing ``@provides`` and its own."""
        nested: list[SelectionSetNode] = []
        for selection in provided:
            for node in self._provided_nodes(selection, type_name, field):
                if node.selection_set is not None:
                    nested.append(node.selection_set)
        if placement is not None and placement.provides is not None:
            nested.append(placement.provides)
        return tuple(nested)

    def _provided_nodes(self, selection: SelectionSetNode, type_name: str, field: str) -> list[FieldNode]:
        found: list[FieldNode] = []
        for node in selection.selections:
            if isinstance(node, FieldNode):
                if node.name.value == field and node.alias is None:
                    found.append(node)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition.name.value if node.type_condition else None
                if condition is None or self.is_subtype(type_name, condition):
                    found.extend(self._provided_nodes(node.selection_set, type_name, field))
        return found

    # --- types ----------------------------------------------------------------------------

    def is_subtype(self, type_name: str, condition: str) -> bool:
        if type_name == condition:
            return True
        return type_name in self.supergraph.schema_possible(condition) if self.is_abstract(condition) else False

    def is_abstract(self, type_name: str) -> bool:
        return isinstance(self.schema.type_map.get(type_name), (GraphQLInterfaceType, GraphQLUnionType))

    def is_interface_object(self, subgraph: str, type_name: str) -> bool:
        meta = self.supergraph.types.get(type_name)
        placement = meta.placements.get(subgraph) if meta else None
        return bool(placement and placement.is_interface_object)

    def field_type(self, parent: str, field: str) -> GraphQLOutputType | None:
        graphql_type = self.schema.type_map.get(parent)
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            definition = graphql_type.fields.get(field)
            return definition.type if definition else None
        return None

    @staticmethod
    def list_depth(graphql_type: GraphQLOutputType) -> int:
        depth = 0
        current = graphql_type
        while True:
            if isinstance(current, GraphQLNonNull):
                current = current.of_type
            elif isinstance(current, GraphQLList):
                depth += 1
                current = current.of_type
            else:
                return depth

    def named_type(self, parent: str, field: str) -> str | None:
        field_type = self.field_type(parent, field)
        return get_named_type(field_type).name if field_type is not None else None

    def sets_context(self, type_name: str, context: str) -> bool:
        """Whether objects of ``type_name`` set ``context`` (themselves, an interface, a union)."""
        meta = self.supergraph.types.get(type_name)
        if meta is not None and context in meta.contexts:
            return True
        for interface in self.interfaces_of(type_name):
            found = self.supergraph.types.get(interface)
            if found is not None and context in found.contexts:
                return True
        for meta in self.supergraph.types.values():
            if meta.kind == "union" and context in meta.contexts and type_name in self.supergraph.schema_possible(meta.name):
                return True
        return False

    def is_entity(self, type_name: str) -> bool:
        meta = self.supergraph.types.get(type_name)
        return bool(meta and any(p.keys for p in meta.placements.values()))

    def interfaces_of(self, type_name: str) -> tuple[str, ...]:
        graphql_type = self.schema.type_map.get(type_name)
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            return tuple(i.name for i in graphql_type.interfaces)
        return ()

    # --- entity jumps ---------------------------------------------------------------------

    def entity_options(self, type_name: str) -> tuple[EntityOption, ...]:
        """Every way into another subgraph for an object of ``type_name`` (graph order)."""
        found = self._options.get(type_name)
        if found is not None:
            return found
        options: list[EntityOption] = []
        meta = self.supergraph.types.get(type_name)
        if meta is not None:
            for subgraph, placement in meta.placements.items():
                for key in placement.resolvable_keys:
                    options.append(EntityOption(subgraph, type_name, key))
        # interfaces reached through @interfaceObject (or entity interfaces) where the
        # concrete type itself is unknown to the subgraph
        for interface in self.interfaces_of(type_name):
            interface_meta = self.supergraph.types.get(interface)
            if interface_meta is None:
                continue
            for subgraph, placement in interface_meta.placements.items():
                if meta is not None and subgraph in meta.placements:
                    continue
                if not placement.is_interface_object:
                    continue
                for key in placement.resolvable_keys:
                    options.append(EntityOption(subgraph, interface, key))
        options.sort(key=lambda o: self.order[o.subgraph])
        found = self._options[type_name] = tuple(options)
        return found

    def field_in_option(self, option: EntityOption, field: str) -> FieldPlacement | None:
        """The placement that resolves ``field`` once the jump ``option`` landed."""
        placement = self.placement(option.subgraph, option.sent_type, field)
        if placement is None:
            if field == "__typename":
                return FieldPlacement(option.subgraph)
            return None
        if placement.external or not self.active(placement):
            return None
        return placement
