"""Fetch steps while they are being planned: mutable builders, frozen into plan nodes later.

A step is one request to one subgraph: a root operation, or an ``_entities`` call at a
response path. Its selection grows as the planner assigns fields to it; its inputs say
how to build a representation from each object found at the path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from router.planning.operation import Field


@dataclass(eq=False)
class FieldBuilder:
    response_key: str
    name: str
    arguments: str = ""
    directives: str = ""
    variables: tuple[str, ...] = ()
    child: "SelectionBuilder | None" = None
    type_ref: str = ""  # the field's type as the subgraph declares it, e.g. "[User!]"


@dataclass(eq=False)
class SelectionBuilder:
    """Fields selected on one type, plus inline fragments for the runtime types below it."""

    fields: dict[str, FieldBuilder] = field(default_factory=dict)
    fragments: dict[str, "SelectionBuilder"] = field(default_factory=dict)
    abstract: str | None = None  # the interface/union this selection is on, when it is one

    def add(self, source: Field, composite: bool, type_ref: str = "") -> FieldBuilder:
        existing = self.fields.get(source.response_key)
        if existing is not None:
            if existing.name != source.name or existing.arguments != source.arguments:
                raise AssertionError(
                    f"response key {source.response_key!r} used for two different fields in one fetch"
                )
            if composite and existing.child is None:
                existing.child = SelectionBuilder()
            return existing
        built = FieldBuilder(
            source.response_key,
            source.name,
            source.arguments,
            source.directives,
            source.variables,
            SelectionBuilder() if composite else None,
            type_ref,
        )
        self.fields[source.response_key] = built
        return built

    def add_typename(self) -> None:
        if "__typename" not in self.fields:
            self.fields["__typename"] = FieldBuilder("__typename", "__typename", type_ref="String!")

    def fragment(self, type_name: str) -> "SelectionBuilder":
        found = self.fragments.get(type_name)
        if found is None:
            found = self.fragments[type_name] = SelectionBuilder()
        return found

    def clashes_with(self, field: Field) -> bool:
        """Whether ``field`` cannot join this selection: its response key (here or below)
        already names a different field or the same field with other arguments."""
        existing = self.fields.get(field.response_key)
        if existing is None:
            return False
        if existing.name != field.name or existing.arguments != field.arguments:
            return True
        if existing.child is None or field.selection is None:
            return False
        selection = field.selection
        groups = list(selection.by_type) + ([("", selection.common)] if selection.common is not None else [])
        for type_name, subfields in groups:
            fragment = existing.child.fragments.get(type_name)
            for sub in subfields:
                if existing.child.clashes_with(sub) or (fragment is not None and fragment.clashes_with(sub)):
                    return True
        return False

    def clashes_with_selection(self, other: "SelectionBuilder") -> bool:
        """Whether merging ``other`` into this selection would lose one of its fields."""
        for key, incoming in other.fields.items():
            existing = self.fields.get(key)
            if existing is None:
                continue
            if existing.name != incoming.name or existing.arguments != incoming.arguments:
                return True
            if existing.child is not None and incoming.child is not None:
                if existing.child.clashes_with_selection(incoming.child):
                    return True
        for type_name, fragment in other.fragments.items():
            mine = self.fragments.get(type_name)
            if mine is not None and mine.clashes_with_selection(fragment):
                return True
        return False

    def merge(self, other: "SelectionBuilder") -> None:
        for key, incoming in other.fields.items():
            existing = self.fields.get(key)
            if existing is None:
                self.fields[key] = incoming
            elif incoming.child is not None:
                if existing.child is None:
                    existing.child = incoming.child
                else:
                    existing.child.merge(incoming.child)
        for type_name, incoming_fragment in other.fragments.items():
            self.fragment(type_name).merge(incoming_fragment)

    def variables(self) -> dict[str, None]:
        found: dict[str, None] = {}
        for built in self.fields.values():
            for name in built.variables:
                found[name] = None
            if built.child is not None:
                found.update(built.child.variables())
        for fragment in self.fragments.values():
            found.update(fragment.variables())
        return found

    def render(self) -> str:
        parts: list[str] = []
        for built in self.fields.values():
            text = built.name if built.response_key == built.name else f"{built.response_key}: {built.name}"
            text += built.arguments
            if built.directives:
                text += " " + built.directives
            if built.child is not None:
                inner = built.child.render()
                text += " { " + (inner or "__typename") + " }"
            parts.append(text)
        for type_name, fragment in self.fragments.items():
            inner = fragment.render()
            if inner:
                parts.append(f"... on {type_name} {{ {inner} }}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class InputField:
    """One field of a representation: read ``source_key`` from the object, send it as ``name``."""

    name: str
    source_key: str
    child: "InputShape | None" = None


@dataclass(frozen=True, slots=True)
class InputShape:
    """The fields to copy from an object (per concrete type when the object is abstract)."""

    by_type: tuple[tuple[str, tuple[InputField, ...]], ...]
    default: tuple[InputField, ...] | None = None

    def fields_for(self, type_name: str | None) -> tuple[InputField, ...] | None:
        if type_name is not None:
            for name, fields in self.by_type:
                if name == type_name:
                    return fields
        return self.default


@dataclass(eq=False)
class EntityInput:
    """How objects of one concrete type become representations for a step."""

    sent_type: str
    fields: list[InputField] = field(default_factory=list)

    def compatible(self, sent_type: str, more: list[InputField]) -> bool:
        """Whether ``more`` can join this input: one representation has one value per name."""
        return sent_type == self.sent_type and merge_input_fields(tuple(self.fields), tuple(more)) is not None

    def extend(self, more: list[InputField]) -> None:
        merged = merge_input_fields(tuple(self.fields), tuple(more))
        if merged is None:
            raise AssertionError("extending an entity input with clashing fields")
        self.fields = list(merged)


def merge_input_fields(
    mine: tuple[InputField, ...], more: tuple[InputField, ...]
) -> tuple[InputField, ...] | None:
    """The union of two representation field lists, or None if one name would need two values."""
    result = list(mine)
    index = {f.name: i for i, f in enumerate(result)}
    for item in more:
        position = index.get(item.name)
        if position is None:
            index[item.name] = len(result)
            result.append(item)
            continue
        existing = result[position]
        if existing == item:
            continue
        if existing.source_key != item.source_key or (existing.child is None) != (item.child is None):
            return None
        assert existing.child is not None and item.child is not None
        child = _merge_shapes(existing.child, item.child)
        if child is None:
            return None
        result[position] = InputField(existing.name, existing.source_key, child)
    return tuple(result)


def _merge_shapes(a: InputShape, b: InputShape) -> InputShape | None:
    by_type: dict[str, tuple[InputField, ...]] = dict(a.by_type)
    for name, fields in b.by_type:
        if name in by_type:
            merged = merge_input_fields(by_type[name], fields)
            if merged is None:
                return None
            by_type[name] = merged
        else:
            by_type[name] = fields
    default = a.default
    if b.default is not None:
        default = b.default if default is None else merge_input_fields(default, b.default)
        if default is None:
            return None
    return InputShape(tuple(by_type.items()), default)


@dataclass(frozen=True, slots=True)
class ContextVariable:
    """A ``@fromContext`` value: read ``fields`` from the ancestor ``depth`` path segments down."""

    name: str
    type: str
    depth: int
    fields: tuple[InputField, ...]


@dataclass(eq=False)
class Step:
    id: int
    subgraph: str
    operation_kind: str  # "query" | "mutation"
    path: tuple[str, ...]  # where results merge; "@" stands for every list item
    is_entity: bool
    selection: SelectionBuilder = field(default_factory=SelectionBuilder)
    inputs: dict[str, EntityInput] = field(default_factory=dict)  # by the object's __typename
    depends: set["Step"] = field(default_factory=set)
    parent: "Step | None" = None
    group: int = 0  # mutation field index: later groups wait for earlier ones
    contexts: list[ContextVariable] = field(default_factory=list)
    removed: bool = False

    def __hash__(self) -> int:
        return self.id

    def label(self) -> str:
        return f"#{self.id} {self.subgraph}"
