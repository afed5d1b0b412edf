"""How a plan's fetches are sent: identical entity fetches of one wave share one call.

A deeply nested operation often jumps to the same subgraph for the same fields from
several places (``products`` for ``{ name price }`` under users' reviews and under top
products' reviews). The planner keeps them apart, one fetch per response path, which is
the plan a reader expects. Sending them separately costs one subgraph round trip each,
and each round trip costs the router more CPU than the representations in it. So the
executor sends entity fetches with the same subgraph, the same operation and the same
representations (the same for a type they share) as one ``_entities`` call when they sit at the same depth of the
dependency graph: they would start at about the same moment anyway, so nobody waits
longer, and representations shared between the paths go once.

Computed once per plan and kept with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from router.planning.plan import EntityInputSpec, FetchNode, QueryPlan


@dataclass(frozen=True, slots=True)
class Batch:
    """Fetches sent as one subgraph call; ``fetch`` is the one whose operation is sent."""

    id: int
    fetch: FetchNode
    paths: tuple[tuple[str, ...], ...]  # every member's merge path
    depends_on: tuple[int, ...]  # batch ids
    inputs: dict[str, EntityInputSpec]  # every member's representation specs, by __typename


@dataclass(frozen=True, slots=True)
class Schedule:
    batches: tuple[Batch, ...]
    dependents: dict[int, tuple[int, ...]]


def schedule_for(plan: QueryPlan, share: bool = True) -> Schedule:
    """The plan's schedule, built once per plan and sharing setting (never per request)."""
    schedules: dict[bool, Schedule] | None = plan.schedule
    if schedules is None:
        schedules = {}
        object.__setattr__(plan, "schedule", schedules)
    schedule = schedules.get(share)
    if schedule is None:
        schedule = schedules[share] = build_schedule(plan, share)
    return schedule


def build_schedule(plan: QueryPlan, share: bool = True) -> Schedule:
    by_id = {fetch.id: fetch for fetch in plan.fetches}
    depth: dict[int, int] = {}

    def depth_of(fetch: FetchNode) -> int:
        found = depth.get(fetch.id)
        if found is None:
            found = depth[fetch.id] = 1 + max((depth_of(by_id[d]) for d in fetch.depends_on if d in by_id), default=-1)
        return found

    groups: list[list[FetchNode]] = []
    open_groups: dict[tuple[object, ...], list[int]] = {}  # sharing key -> indexes into groups
    for fetch in plan.fetches:
        if not (share and _shareable(fetch)):
            groups.append([fetch])
            continue
        # the operation text modulo its name (named after the fetch when the client's is named)
        key = (depth_of(fetch), fetch.subgraph, fetch.selection_text, fetch.representations_variable, fetch.variable_names)
        for index in open_groups.get(key, ()):
            if all(_compatible(fetch, other) for other in groups[index]):
                groups[index].append(fetch)
                break
        else:
            open_groups.setdefault(key, []).append(len(groups))
            groups.append([fetch])
    batch_of = {fetch.id: index for index, group in enumerate(groups) for fetch in group}
    batches = []
    for index, group in enumerate(groups):
        depends = sorted({batch_of[d] for fetch in group for d in fetch.depends_on if d in batch_of} - {index})
        inputs: dict[str, EntityInputSpec] = {}
        for fetch in group:
            inputs.update(fetch.inputs)
        batches.append(
            Batch(index, group[0], tuple(dict.fromkeys(f.path for f in group)), tuple(depends),
                  inputs if len(group) > 1 else group[0].inputs)
        )
    dependents: dict[int, list[int]] = {batch.id: [] for batch in batches}
    for batch in batches:
        for dependency in batch.depends_on:
            dependents[dependency].append(batch.id)
    return Schedule(tuple(batches), {k: tuple(v) for k, v in dependents.items()})


def _compatible(fetch: FetchNode, other: FetchNode) -> bool:
    """One call can serve both: same answer renames, same representation for a shared type."""
    if fetch.renames != other.renames:
        return False
    return all(other.inputs.get(name, spec) == spec for name, spec in fetch.inputs.items())


def _shareable(fetch: FetchNode) -> bool:
    return fetch.is_entity and fetch.operation_kind == "query" and not fetch.contexts
