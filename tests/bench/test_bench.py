"""The benchmark's own correctness pieces (bench/): no timing is asserted here, only that the bench
measures the right thing: the reproduced subgraphs answer the benchmark query correctly through our
router, the load generators count wrong answers, and everything the bench starts is stopped.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from graphql import DirectiveNode, Visitor, parse, visit

from bench.guild import data, oracle
from bench.guild.scenario import supergraph_config
from bench.load import LoadResult, Request, run_python, run_wrk
from bench.memo_server import MemoServer
from bench.ours.scenario import without_security_features
from bench.procs import Processes, Started, free_port, tree_cpu_seconds, tree_pids, tree_rss_bytes, wait_until
from bench.scenario import ROOT, compose
from bench.verify import WrongAnswer, check_answer
from tests.support.process_tree import alive


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    registry = Processes(tmp_path)
    yield registry
    registry.stop_all()


def _memo_server(procs: Processes, *mode: str) -> tuple[Started, str]:
    port = free_port()
    entry = procs.start("memo", [sys.executable, "-m", "bench.memo_server", "--port", str(port), *mode], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{base}/health", timeout=2).status_code == 200, "the memo server", entry, 30)
    return entry, base


def _compact(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def test_the_reproduced_subgraphs_answer_the_benchmark_query_through_our_router(
    procs: Processes, tmp_path: Path
) -> None:
    _server, base = _memo_server(procs, "guild")
    config = tmp_path / "supergraph.yaml"
    config.write_text(supergraph_config(base))
    supergraph = tmp_path / "supergraph.graphql"
    compose(config, supergraph)
    port = free_port()
    router = procs.start("router", [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph),
                                    "--port", str(port), "--workers", "1"],
                         env={**os.environ, "ROUTER_LOG_LEVEL": "error"}, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/graphql"
    wait_until(lambda: httpx.post(url, json={"query": "{ __typename }"}, timeout=2).status_code == 200,
               "the router", router, 60)

    reply = httpx.post(url, json={"query": data.QUERY}, timeout=30)

    assert reply.status_code == 200
    # byte for byte: the load generator compares answers this way
    assert reply.content == _compact(oracle.expected_answer())
    calls = httpx.get(f"{base}/stats", timeout=5).json()
    assert set(calls) == {"/accounts", "/inventory", "/products", "/reviews"}


def test_a_repeated_body_is_answered_from_memory_and_an_unknown_path_is_404() -> None:
    executed: list[bytes] = []

    def answer(path: str, body: bytes) -> bytes | None:
        executed.append(body)
        return b'{"data":{"n":%d}}' % len(executed) if path == "/known" else None

    server = MemoServer(answer)
    first = server.respond(b"POST", b"/known", b'{"query":"{ n }"}')
    second = server.respond(b"POST", b"/known", b'{"query":"{ n }"}')
    other = server.respond(b"POST", b"/known", b'{"query":"{ m }"}')
    missing = server.respond(b"POST", b"/unknown", b'{"query":"{ n }"}')

    assert first == second and first.endswith(b'{"data":{"n":1}}')
    assert other.endswith(b'{"data":{"n":2}}')
    assert missing.startswith(b"HTTP/1.1 404")
    assert len(executed) == 3  # the repeated body was not executed again
    assert server.counts == {"/known": 3, "/unknown": 1}


@pytest.mark.parametrize("generator", ["python", "wrk"])
def test_the_load_generators_count_every_wrong_answer(procs: Processes, tmp_path: Path, generator: str) -> None:
    if generator == "wrk" and shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: apt-get install -y wrk (.ci/run installs it); make bench falls back to a Python generator")
    body = tmp_path / "body.json"
    body.write_text('{"query":"{ x }"}')
    right = tmp_path / "right.json"
    right.write_bytes(b'{"data":{"x":1}}')
    wrong = tmp_path / "wrong.json"
    wrong.write_bytes(b'{"data":{"x":2}}')
    _answers, answer_base = _memo_server(procs, "answer", str(right))
    _subgraphs, subgraphs_base = _memo_server(procs, "guild")  # answers 404 off its four paths
    wrk = shutil.which("wrk")

    def load(url: str, expected: Path, first_bad: str) -> LoadResult:
        request = Request(url, body, expected, {}, first_bad=tmp_path / first_bad)
        if generator == "wrk":
            assert wrk is not None
            return run_wrk(wrk, request, connections=4, seconds=1, cpus=None)
        return run_python(request, connections=4, seconds=0.5)

    good = load(f"{answer_base}/graphql", right, "bad-good.txt")
    bad = load(f"{answer_base}/graphql", wrong, "bad-bad.txt")
    not_found = load(f"{subgraphs_base}/nowhere", right, "bad-404.txt")

    assert good.requests > 0 and good.errors == 0
    assert bad.requests > 0 and bad.wrong == bad.requests and bad.non2xx == 0
    assert (tmp_path / "bad-bad.txt").read_bytes() == b'200\n{"data":{"x":1}}'  # kept for the report
    assert not (tmp_path / "bad-good.txt").exists()
    assert (tmp_path / "bad-404.txt").read_bytes().startswith(b"404\n")
    assert not_found.requests > 0 and not_found.non2xx == not_found.requests and not_found.wrong == 0


def test_stopping_a_process_stops_what_it_forked(procs: Processes) -> None:
    entry = procs.start("forker", ["sh", "-c", "sleep 60 & sleep 60 & wait"])
    wait_until(lambda: len(tree_pids(entry.pid)) == 3, "the children", entry, 10)
    members = tree_pids(entry.pid)
    assert tree_rss_bytes(entry.pid) > 0 and tree_cpu_seconds(entry.pid) >= 0

    procs.stop(entry)

    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in members):
        assert time.monotonic() < deadline, f"still running: {members}"
        time.sleep(0.05)
    assert procs.started == []


def test_peers_get_our_supergraph_without_its_security_features() -> None:
    original = (ROOT / "supergraph.graphql").read_text()

    stripped = without_security_features(original)

    before, after = _applied_directives(original), _applied_directives(stripped)
    assert before["authenticated"] > 0 and before["requiresScopes"] > 0
    assert after["authenticated"] == 0 and after["requiresScopes"] == 0
    assert "for: SECURITY" in original and "for: SECURITY" not in stripped
    for name in ("join__field", "join__type", "join__graph", "join__unionMember", "join__implements"):
        assert after[name] == before[name] > 0 or after[name] == before[name] == 0


def _applied_directives(sdl: str) -> Counter[str]:
    counts: Counter[str] = Counter()

    class Count(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: object) -> None:
            counts[node.name.value] += 1

    visit(parse(sdl), Count())
    return counts


def test_an_answer_check_rejects_wrong_values_key_order_and_errors() -> None:
    expected = {"data": {"a": 1, "b": [1, 2]}}

    check_answer(200, b'{"data":{"a":1,"b":[1,2]}}', expected)
    for status, content in [(200, b'{"data":{"b":[1,2],"a":1}}'), (200, b'{"data":{"a":1,"b":[1]}}'),
                            (500, b'{"data":{"a":1,"b":[1,2]}}'), (200, b"not json"),
                            (200, b'{"data":{"a":1,"b":[1,2]},"errors":[{"message":"x"}]}')]:
        with pytest.raises(WrongAnswer):
            check_answer(status, content, expected)
