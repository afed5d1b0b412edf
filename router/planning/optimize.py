"""Optimisation passes over planned steps: fewer fetches, same answers.

Runs after the walk, on the step graph only: sibling entity steps that target the same
subgraph at the same path are merged whenever neither waits (directly or not) for the
other, and dependency lists are reduced to their direct edges.
"""

from __future__ import annotations

from router.planning.steps import Step


def ancestors(step: Step, memo: dict[int, set[int]]) -> set[int]:
    found = memo.get(step.id)
    if found is not None:
        return found
    result: set[int] = set()
    memo[step.id] = result  # cycle guard; the step graph is acyclic by construction
    for dep in step.depends:
        result.add(dep.id)
        result |= ancestors(dep, memo)
    return result


def merge_siblings(steps: list[Step]) -> list[Step]:
    """Merge entity steps with the same subgraph, path and mutation group when no cycle results."""
    changed = True
    while changed:
        changed = False
        memo: dict[int, set[int]] = {}
        groups: dict[tuple[str, tuple[str, ...], int], list[Step]] = {}
        for step in steps:
            if step.is_entity and not step.removed:
                groups.setdefault((step.subgraph, step.path, step.group), []).append(step)
        for members in groups.values():
            if len(members) < 2:
                continue
            # any pair may merge (not only into the first step): the first may be the one
            # that cannot merge with anything
            for index, keep in enumerate(members):
                for other in members[index + 1 :]:
                    if other.id in ancestors(keep, memo) or keep.id in ancestors(other, memo):
                        continue
                    if not _inputs_compatible(keep, other) or keep.selection.clashes_with_selection(other.selection):
                        continue
                    if _mixes_types(keep, other):
                        continue
                    _absorb(keep, other, steps)
                    changed = True
                    break
                if changed:
                    break
            if changed:
                break
    return [s for s in steps if not s.removed]


def _inputs_compatible(keep: Step, other: Step) -> bool:
    for type_name, entity_input in other.inputs.items():
        mine = keep.inputs.get(type_name)
        if mine is not None and not mine.compatible(entity_input.sent_type, entity_input.fields):
            return False
    return True


def _mixes_types(keep: Step, other: Step) -> bool:
    """Whether merging would send objects of different types as one (@interfaceObject) type with
    different selections: the merged selection would ask each type for the other's fields."""
    for type_name, entity_input in other.inputs.items():
        sent = entity_input.sent_type
        for mine_type, mine in keep.inputs.items():
            if mine.sent_type != sent or mine_type == type_name or sent in (type_name, mine_type):
                continue
            ours, theirs = keep.selection.fragments.get(sent), other.selection.fragments.get(sent)
            if ours is None or theirs is None or ours.render() != theirs.render():
                return True
    return False


def _absorb(keep: Step, other: Step, steps: list[Step]) -> None:
    keep.selection.merge(other.selection)
    for type_name, entity_input in other.inputs.items():
        mine = keep.inputs.get(type_name)
        if mine is None:
            keep.inputs[type_name] = entity_input
        else:
            mine.extend(entity_input.fields)
    keep.contexts.extend(c for c in other.contexts if c not in keep.contexts)
    keep.depends |= {d for d in other.depends if d is not keep}
    other.removed = True
    for step in steps:
        if other in step.depends:
            step.depends.discard(other)
            if step is not keep:
                step.depends.add(keep)


def reduce_dependencies(steps: list[Step]) -> dict[int, tuple[int, ...]]:
    """Direct dependencies only: drop an edge already implied through another one."""
    memo: dict[int, set[int]] = {}
    reduced: dict[int, tuple[int, ...]] = {}
    for step in steps:
        direct = {d.id for d in step.depends if not d.removed and d is not step}
        implied: set[int] = set()
        for dep in step.depends:
            if dep.id in direct:
                implied |= ancestors(dep, memo)
        reduced[step.id] = tuple(sorted(direct - implied))
    return reduced
