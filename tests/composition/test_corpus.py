"""The composition corpus, checked against the stored Apollo outcome (always) and
against @apollo/composition itself (node): same success/failure, same error codes,
and for successes a semantically equal supergraph."""

from __future__ import annotations

import pytest

from router.composition.compose import compose
from router.composition.errors import HINTS
from router.supergraph import load_supergraph
from tests.composition.corpus import Case, load_cases, run_apollo
from tests.composition.normalize import supergraph_differences

CASES = load_cases()
IDS = [c.name for c in CASES]


def test_corpus_is_large_and_mixed() -> None:
    assert len(CASES) >= 40
    assert sum(c.expected_ok for c in CASES) >= 20
    assert sum(not c.expected_ok for c in CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_outcome_matches_expectation(case: Case) -> None:
    result = compose(list(case.subgraphs))
    codes = tuple(sorted({e.code for e in result.errors}))
    if case.expected_ok:
        assert result.ok, [e.format() for e in result.errors]
        # what we produce must be readable by our own router
        load_supergraph(result.supergraph_sdl or "")
    else:
        assert not result.ok
        assert codes == case.expected_errors, [e.format() for e in result.errors]
        for error in result.errors:
            assert error.code in HINTS and error.message  # every reported code has a fix hint


@pytest.fixture(scope="module")
def apollo() -> dict:
    return run_apollo(CASES)


@pytest.mark.node
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_agrees_with_apollo(case: Case, apollo: dict) -> None:
    oracle = apollo[case.name]
    assert "exception" not in oracle, oracle
    apollo_codes = tuple(sorted({e["code"] for e in oracle.get("errors", [])}))
    # the stored expectation is Apollo's outcome (guards against stale case files)
    assert ("supergraph" in oracle) == case.expected_ok
    if not case.expected_ok:
        assert apollo_codes == case.expected_errors
    result = compose(list(case.subgraphs))
    if "supergraph" in oracle:
        assert result.ok, [e.format() for e in result.errors]
        assert supergraph_differences(oracle["supergraph"], result.supergraph_sdl or "") == []
    else:
        assert tuple(sorted({e.code for e in result.errors})) == apollo_codes


@pytest.mark.node
def test_supergraphs_print_like_apollo(apollo: dict) -> None:
    """Beyond semantic equality: the printed SDL is byte-for-byte Apollo's."""
    different = []
    for case in CASES:
        oracle = apollo[case.name]
        if "supergraph" not in oracle:
            continue
        if compose(list(case.subgraphs)).supergraph_sdl != oracle["supergraph"]:
            different.append(case.name)
    assert different == []
