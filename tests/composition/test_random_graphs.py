"""Differential test: random federated graphs composed by us and by @apollo/composition
must give the same outcome, the same error codes and the same supergraph."""

from __future__ import annotations

import random

import pytest

from router.composition.compose import compose
from tests.composition.corpus import Case, run_apollo
from tests.composition.normalize import supergraph_differences
from tests.composition.random_graphs import random_graph

SEED = 20261126
COUNT = 150


@pytest.mark.node
def test_random_graphs_agree_with_apollo() -> None:
    rng = random.Random(SEED)
    cases = [Case(f"random-{i}", "", tuple(random_graph(rng)), False, ()) for i in range(COUNT)]
    apollo = run_apollo(cases)
    disagreements = []
    composed = 0
    for case in cases:
        oracle = apollo[case.name]
        ours = compose(list(case.subgraphs))
        if "supergraph" in oracle:
            composed += 1
            if not ours.ok:
                disagreements.append((case.name, "apollo composes", [e.code for e in ours.errors]))
            elif supergraph_differences(oracle["supergraph"], ours.supergraph_sdl or ""):
                disagreements.append((case.name, "different supergraph", None))
        else:
            expected = sorted({e["code"] for e in oracle["errors"]})
            if sorted({e.code for e in ours.errors}) != expected:
                disagreements.append((case.name, expected, [e.code for e in ours.errors]))
    assert disagreements == []
    assert composed >= 20  # the generator must keep producing valid graphs too
