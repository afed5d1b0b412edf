"""Composition pipeline: subgraph SDLs in, supergraph SDL (or errors) out.

build each subgraph (parse, @link, GraphQL validity, federation rules)
-> upgrade federation 1 subgraphs -> merge -> satisfiability -> print.
Each stage stops the pipeline when it reports errors, like Apollo's composer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from router.composition.errors import CompositionError, CompositionFailed, CompositionHint
from router.composition.merge import merge_subgraphs
from router.composition.printer import print_supergraph
from router.composition.subgraph import Subgraph, build_subgraph
from router.composition.upgrade import upgrade_subgraphs
from router.composition.validate_subgraph import validate_subgraph


@dataclass(frozen=True)
class SubgraphInput:
    name: str
    url: str
    sdl: str


@dataclass
class CompositionResult:
    supergraph_sdl: str | None = None
    errors: list[CompositionError] = field(default_factory=list)
    hints: list[CompositionHint] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors


def compose(inputs: list[SubgraphInput], *, check_satisfiability: bool = True) -> CompositionResult:
    errors: list[CompositionError] = []
    built: list[Subgraph] = []
    seen: set[str] = set()
    for item in inputs:
        if item.name in seen:
            errors.append(CompositionError("INVALID_SUBGRAPH_NAME", f'A subgraph named "{item.name}" already exists', [item.name]))
            continue
        seen.add(item.name)
        try:
            sg = build_subgraph(item.name, item.url, item.sdl)
        except CompositionFailed as exc:
            errors.extend(exc.errors)
            continue
        if sg.fed2:
            sub_errors = validate_subgraph(sg)
            if sub_errors:
                errors.extend(sub_errors)
                continue
        built.append(sg)
    if errors:
        return CompositionResult(errors=errors)
    if not built:
        return CompositionResult(errors=[CompositionError("NO_QUERIES", "No subgraphs to compose.")])

    upgraded, upgrade_errors = upgrade_subgraphs(built)
    if upgrade_errors:
        return CompositionResult(errors=upgrade_errors)

    merged = merge_subgraphs(upgraded)
    if merged.errors or merged.supergraph is None:
        return CompositionResult(errors=merged.errors)

    hints = list(merged.hints)
    if check_satisfiability:
        from router.composition.satisfiability import check_satisfiability as run_check

        sat_errors, sat_hints = run_check(merged)
        hints.extend(sat_hints)
        if sat_errors:
            return CompositionResult(errors=sat_errors, hints=hints)
    return CompositionResult(supergraph_sdl=print_supergraph(merged), hints=hints)
