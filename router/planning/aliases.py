"""Internal aliases: keep subgraph queries valid when sibling fragments disagree on a field's shape.

GraphQL lets ``... on User { id }`` and ``... on Admin { id }`` share a response key only
if both fields have the same shape (``ID!`` vs ``ID`` is a conflict). Subgraphs may
declare such differences, so conflicting fields get an alias in the subgraph query and a
rename entry the executor applies to that fetch's answer before merging it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from router.planning.steps import FieldBuilder, SelectionBuilder


@dataclass(frozen=True, slots=True)
class RenameNode:
    """Renames to apply to one object level of a fetch answer, and below it."""

    renames: dict[str, dict[str, str]] = field(default_factory=dict)  # __typename -> alias -> key
    children: dict[str, "RenameNode"] = field(default_factory=dict)  # response key in the answer


def _wrappers(type_ref: str) -> tuple[str, str]:
    named = type_ref.replace("[", "").replace("]", "").replace("!", "")
    return type_ref.replace(named, "T"), named


def _all_fields(builder: SelectionBuilder) -> list[FieldBuilder]:
    found = list(builder.fields.values())
    for fragment in builder.fragments.values():
        found.extend(_all_fields(fragment))
    return found


def conflict(a: FieldBuilder, b: FieldBuilder) -> bool:
    """Whether two same-key fields on exclusive types violate GraphQL's SameResponseShape."""
    shape_a, named_a = _wrappers(a.type_ref)
    shape_b, named_b = _wrappers(b.type_ref)
    if shape_a != shape_b:
        return True
    if a.child is None or b.child is None:
        return a.child is not b.child or named_a != named_b
    others = {}
    for item in _all_fields(b.child):
        others.setdefault(item.response_key, []).append(item)
    for item in _all_fields(a.child):
        for other in others.get(item.response_key, ()):
            if conflict(item, other):
                return True
    return False


class _Aliaser:
    def __init__(self) -> None:
        self.counter = 0

    def fix(self, builder: SelectionBuilder) -> RenameNode | None:
        renames: dict[str, dict[str, str]] = {}
        seen: dict[str, list[FieldBuilder]] = {}
        for built in builder.fields.values():
            seen.setdefault(built.response_key, []).append(built)
        # fragments nested in fragments select on the same objects: check them all together
        for type_name, fragment in _flat_fragments(builder):
            for key, built in list(fragment.fields.items()):
                if any(conflict(built, other) for other in seen.get(key, ())):
                    self.counter += 1
                    alias = f"_internal_{self.counter}_{key}"
                    fragment.fields = {
                        (alias if k == key else k): v for k, v in fragment.fields.items()
                    }
                    built.response_key = alias
                    renames.setdefault(type_name, {})[alias] = key
                else:
                    seen.setdefault(key, []).append(built)
        children: dict[str, RenameNode] = {}
        for built in _all_fields_shallow(builder):
            if built.child is not None:
                child = self.fix(built.child)
                if child is not None:
                    children[built.response_key] = child
        if not renames and not children:
            return None
        return RenameNode(renames, children)


def _flat_fragments(builder: SelectionBuilder) -> list[tuple[str, SelectionBuilder]]:
    """Every fragment at this object level, outer ones before those nested in them."""
    found = []
    for type_name, fragment in builder.fragments.items():
        found.append((type_name, fragment))
        found.extend(_flat_fragments(fragment))
    return found


def _all_fields_shallow(builder: SelectionBuilder) -> list[FieldBuilder]:
    found = list(builder.fields.values())
    for _, fragment in _flat_fragments(builder):
        found.extend(fragment.fields.values())
    return found


def assign_internal_aliases(builder: SelectionBuilder) -> RenameNode | None:
    return _Aliaser().fix(builder)


def apply_renames(value: object, node: RenameNode) -> None:
    """Undo internal aliases in a fetch answer, in place."""
    if isinstance(value, list):
        for item in value:
            apply_renames(item, node)
        return
    if not isinstance(value, dict):
        return
    for key, child in node.children.items():
        inner = value.get(key)
        if inner is not None:
            apply_renames(inner, child)
    renames = node.renames.get(value.get("__typename"))  # type: ignore[arg-type]
    if renames:
        for alias, original in renames.items():
            if alias in value:
                value[original] = value.pop(alias)
