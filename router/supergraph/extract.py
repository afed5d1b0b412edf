"""Read ``@join__*`` directives into per-subgraph type and field placements.

Follows the meaning Apollo gives each join version: from v0.2 on every type carries
``@join__type`` and a field without ``@join__field`` lives in every subgraph of its type;
in v0.1 (federation 1) value types carry nothing and ``@join__owner`` decides where
unannotated fields live, and key/requires/provides fields missing from a subgraph are
implied (keys as resolvable, the others as external).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationDefinitionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SelectionSetNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    value_from_ast_untyped,
)
from graphql.language.ast import EnumValueDefinitionNode

from router.supergraph.errors import SupergraphError
from router.supergraph.links import Feature, Links
from router.supergraph.model import (
    ContextArgument,
    FieldPlacement,
    Key,
    SubgraphInfo,
    TypeKind,
    TypeMeta,
    TypePlacement,
)

_KINDS: dict[type, TypeKind] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
    ScalarTypeExtensionNode: "scalar",
}

BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


@dataclass
class TypeSource:
    """A type's definition and extensions gathered into one view."""

    name: str
    kind: TypeKind
    directives: list[DirectiveNode] = field(default_factory=list)
    fields: list[FieldDefinitionNode] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: list[EnumValueDefinitionNode] = field(default_factory=list)


def collect_types(document: DocumentNode, links: Links) -> dict[str, TypeSource]:
    """Named types of the document (definitions merged with extensions), machinery excluded."""
    sources: dict[str, TypeSource] = {}
    for definition in document.definitions:
        kind = _KINDS.get(type(definition))
        if kind is None:
            continue
        name = definition.name.value  # type: ignore[attr-defined]
        if links.owns_type(name) or name in BUILTIN_SCALARS:
            continue
        source = sources.get(name)
        if source is None:
            source = sources[name] = TypeSource(name, kind)
        elif source.kind != kind:
            raise SupergraphError(f"type {name} is defined both as {source.kind} and {kind}")
        source.directives.extend(getattr(definition, "directives", None) or ())
        if kind in ("object", "interface", "input"):
            source.fields.extend(definition.fields or ())  # type: ignore[attr-defined]
        if kind in ("object", "interface"):
            source.interfaces.extend(i.name.value for i in definition.interfaces or ())  # type: ignore[attr-defined]
        if kind == "union":
            source.members.extend(t.name.value for t in definition.types or ())  # type: ignore[attr-defined]
        if kind == "enum":
            source.values.extend(definition.values or ())  # type: ignore[attr-defined]
    return sources


def args_of(directive: DirectiveNode) -> dict[str, Any]:
    return {arg.name.value: value_from_ast_untyped(arg.value) for arg in directive.arguments or ()}


def applications(directives: Iterable[DirectiveNode], name: str) -> list[dict[str, Any]]:
    return [args_of(d) for d in directives if d.name.value == name]


def parse_field_set(text: str, where: str) -> SelectionSetNode:
    """Parse a ``FieldSet`` string (``"id org { id }"``) into a selection set."""
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLError as error:
        raise SupergraphError(f"invalid field set {text!r} in {where}: {error.message}") from None
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


@dataclass
class _JoinNames:
    graph: str
    graph_enum: str
    type: str
    field: str
    owner: str
    implements: str
    union_member: str
    enum_value: str


def _join_names(join: Feature) -> _JoinNames:
    return _JoinNames(
        graph=join.directive("graph"),
        graph_enum=join.type_name("Graph"),
        type=join.directive("type"),
        field=join.directive("field"),
        owner=join.directive("owner"),
        implements=join.directive("implements"),
        union_member=join.directive("unionMember"),
        enum_value=join.directive("enumValue"),
    )


def read_subgraphs(document: DocumentNode, join: Feature) -> dict[str, SubgraphInfo]:
    """Subgraphs from the ``join__Graph`` enum, in declaration order."""
    names = _join_names(join)
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == names.graph_enum:
            subgraphs: dict[str, SubgraphInfo] = {}
            for value in definition.values or ():
                graph = applications(value.directives or (), names.graph)
                if not graph:
                    raise SupergraphError(f"value {value.name.value} of {names.graph_enum} has no @{names.graph}")
                name, url = graph[0].get("name"), graph[0].get("url")
                if not isinstance(name, str) or not isinstance(url, str):
                    raise SupergraphError(f"@{names.graph} on {value.name.value} needs a name and a url")
                subgraphs[value.name.value] = SubgraphInfo(name=name, url=url, enum_value=value.name.value)
            return subgraphs
    raise SupergraphError(f"not a supergraph: enum {names.graph_enum} is missing")


class _Extractor:
    def __init__(
        self,
        sources: dict[str, TypeSource],
        join: Feature,
        graphs: dict[str, SubgraphInfo],
        context_directive: str | None = None,
    ) -> None:
        self.sources = sources
        self.context_directive = context_directive
        self.names = _join_names(join)
        self.graphs = graphs  # enum value -> info
        self.fed1 = join.version is not None and join.version < (0, 2)
        self.types: dict[str, TypeMeta] = {}

    def graph(self, args: dict[str, Any], where: str) -> str | None:
        value = args.get("graph")
        if value is None:
            return None
        info = self.graphs.get(value)
        if info is None:
            raise SupergraphError(f"{where} names graph {value!r}, which is not in {self.names.graph_enum}")
        return info.name

    def run(self) -> dict[str, TypeMeta]:
        for source in self.sources.values():
            self.types[source.name] = self._place_type(source)
        for source in self.sources.values():
            meta = self.types[source.name]
            if source.kind in ("object", "interface", "input"):
                self._place_fields(source, meta)
            elif source.kind == "enum":
                self._place_enum_values(source, meta)
        for source in self.sources.values():
            meta = self.types[source.name]
            if source.kind in ("object", "interface"):
                self._place_implements(source, meta)
            elif source.kind == "union":
                self._place_members(source, meta)
        if self.fed1:
            self._imply_fed1_fields()
        return self.types

    def _place_type(self, source: TypeSource) -> TypeMeta:
        meta = TypeMeta(source.name, source.kind)
        if self.context_directive:
            meta.contexts = frozenset(
                str(args["name"]) for args in applications(source.directives, self.context_directive) if args.get("name")
            )
        joins = applications(source.directives, self.names.type)
        if not joins:
            for info in self.graphs.values():
                meta.placements[info.name] = TypePlacement(info.name)
            return meta
        for args in joins:
            subgraph = self.graph(args, f"@{self.names.type} on {source.name}")
            if subgraph is None:
                continue
            placement = meta.placements.get(subgraph)
            if placement is None:
                placement = meta.placements[subgraph] = TypePlacement(subgraph)
            if args.get("isInterfaceObject"):
                placement.is_interface_object = True
            extension = bool(args.get("extension", False))
            placement.extension = placement.extension or extension
            key = args.get("key")
            if key:
                selection = parse_field_set(key, f"@key on {source.name} in {subgraph}")
                resolvable = args.get("resolvable")
                placement.keys.append(
                    Key(key, selection, resolvable=True if resolvable is None else bool(resolvable), extension=extension)
                )
        # keep join__Graph order so planning choices are deterministic
        order = {info.name: i for i, info in enumerate(self.graphs.values())}
        meta.placements = dict(sorted(meta.placements.items(), key=lambda item: order[item[0]]))
        return meta

    def _place_fields(self, source: TypeSource, meta: TypeMeta) -> None:
        owners = applications(source.directives, self.names.owner)
        owner = self.graph(owners[0], f"@{self.names.owner} on {source.name}") if owners else None
        for definition in source.fields:
            name = definition.name.value
            joins = applications(definition.directives or (), self.names.field)
            if not joins:
                targets = [owner] if (self.fed1 and owner) else list(meta.placements)
                for subgraph in targets:
                    if subgraph in meta.placements:
                        meta.placements[subgraph].fields.setdefault(name, FieldPlacement(subgraph))
                continue
            for args in joins:
                subgraph = self.graph(args, f"@{self.names.field} on {source.name}.{name}")
                if subgraph is None:
                    continue  # a field no subgraph resolves directly (e.g. from @interfaceObject)
                placement = meta.placements.get(subgraph)
                if placement is None:
                    placement = meta.placements[subgraph] = TypePlacement(subgraph)
                placement.fields[name] = self._field_placement(subgraph, args, f"{source.name}.{name}")

    def _field_placement(self, subgraph: str, args: dict[str, Any], where: str) -> FieldPlacement:
        requires = args.get("requires") or None
        provides = args.get("provides") or None
        override = args.get("override") or None
        context_arguments = tuple(
            self._context_argument(item, f"{where} in {subgraph}")
            for item in (args.get("contextArguments") or ())
            if isinstance(item, dict)
        )
        return FieldPlacement(
            subgraph=subgraph,
            type=args.get("type") or None,
            external=bool(args.get("external", False)),
            requires=parse_field_set(requires, f"@requires on {where} in {subgraph}") if requires else None,
            requires_text=requires,
            provides=parse_field_set(provides, f"@provides on {where} in {subgraph}") if provides else None,
            provides_text=provides,
            override_from=self._override_source(override),
            override_label=args.get("overrideLabel") or None,
            used_overridden=bool(args.get("usedOverridden", False)),
            context_arguments=context_arguments,
        )

    @staticmethod
    def _context_argument(item: dict[str, Any], where: str) -> ContextArgument:
        selection = str(item.get("selection") or "").strip()
        if selection.startswith("{") and selection.endswith("}"):
            selection = selection[1:-1]
        return ContextArgument(
            context=str(item.get("context") or ""),
            name=str(item.get("name") or ""),
            type=str(item.get("type") or "String"),
            selection=parse_field_set(selection, f"@fromContext on {where}"),
        )

    def _override_source(self, value: str | None) -> str | None:
        """``override:`` holds a subgraph name; old supergraphs sometimes hold the enum value."""
        if value is None:
            return None
        names = {info.name for info in self.graphs.values()}
        if value in names:
            return value
        info = self.graphs.get(value)
        return info.name if info else value

    def _place_enum_values(self, source: TypeSource, meta: TypeMeta) -> None:
        for value in source.values:
            joins = applications(value.directives or (), self.names.enum_value)
            if not joins:
                for placement in meta.placements.values():
                    placement.enum_values.add(value.name.value)
                continue
            for args in joins:
                subgraph = self.graph(args, f"@{self.names.enum_value} on {source.name}.{value.name.value}")
                if subgraph and subgraph in meta.placements:
                    meta.placements[subgraph].enum_values.add(value.name.value)

    def _place_implements(self, source: TypeSource, meta: TypeMeta) -> None:
        joins = applications(source.directives, self.names.implements)
        if joins:
            for args in joins:
                subgraph = self.graph(args, f"@{self.names.implements} on {source.name}")
                if subgraph and subgraph in meta.placements:
                    meta.placements[subgraph].implements.add(args["interface"])
            return
        if self.fed1 or not any(
            applications(s.directives, self.names.implements) for s in self.sources.values()
        ):
            # No @join__implements anywhere (join v0.1): an implementation holds in every
            # subgraph that has both types.
            for interface in source.interfaces:
                interface_meta = self.types.get(interface)
                if interface_meta is None:
                    continue
                for subgraph, placement in meta.placements.items():
                    if subgraph in interface_meta.placements:
                        placement.implements.add(interface)

    def _place_members(self, source: TypeSource, meta: TypeMeta) -> None:
        joins = applications(source.directives, self.names.union_member)
        if joins:
            for args in joins:
                subgraph = self.graph(args, f"@{self.names.union_member} on {source.name}")
                if subgraph and subgraph in meta.placements:
                    meta.placements[subgraph].members.add(args["member"])
            return
        for subgraph, placement in meta.placements.items():
            for member in source.members:
                member_meta = self.types.get(member)
                if member_meta is not None and subgraph in member_meta.placements:
                    placement.members.add(member)

    # --- federation 1: fields implied by keys, requires and provides -------------------------

    def _imply_fed1_fields(self) -> None:
        for meta in list(self.types.values()):
            for subgraph, placement in list(meta.placements.items()):
                for key in placement.keys:
                    self._imply(meta.name, subgraph, key.selection, external=False)
                for name, field_placement in list(placement.fields.items()):
                    if field_placement.requires is not None:
                        self._imply(meta.name, subgraph, field_placement.requires, external=True)
                    if field_placement.provides is not None:
                        target = self._field_type_name(meta.name, name)
                        if target:
                            self._imply(target, subgraph, field_placement.provides, external=True)

    def _field_type_name(self, type_name: str, field_name: str) -> str | None:
        source = self.sources.get(type_name)
        if source is None:
            return None
        for definition in source.fields:
            if definition.name.value == field_name:
                named = definition.type
                while hasattr(named, "type"):
                    named = named.type  # type: ignore[assignment]
                return named.name.value  # type: ignore[attr-defined]
        return None

    def _imply(self, type_name: str, subgraph: str, selection: SelectionSetNode, external: bool) -> None:
        meta = self.types.get(type_name)
        if meta is None:
            return
        placement = meta.placements.get(subgraph)
        if placement is None:
            placement = meta.placements[subgraph] = TypePlacement(subgraph)
        for node in selection.selections:
            if isinstance(node, InlineFragmentNode):
                target = node.type_condition.name.value if node.type_condition else type_name
                self._imply(target, subgraph, node.selection_set, external)
                continue
            if not isinstance(node, FieldNode):
                continue
            name = node.name.value
            existing = placement.fields.get(name)
            if existing is None:
                placement.fields[name] = FieldPlacement(subgraph, external=external)
            elif not external and existing.external:
                existing.external = False
            if node.selection_set is not None:
                target = self._field_type_name(type_name, name)
                if target:
                    self._imply(target, subgraph, node.selection_set, external)


def extract_types(
    document: DocumentNode, links: Links, join: Feature, graphs: dict[str, SubgraphInfo]
) -> dict[str, TypeMeta]:
    context = links.get("context")
    directive = context.directive("context") if context else None
    return _Extractor(collect_types(document, links), join, graphs, directive).run()
