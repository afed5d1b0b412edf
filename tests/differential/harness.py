"""Differential runs: one random graph, random operations, our router vs @apollo/gateway.

Both routers serve the same supergraph (composed by our composer, which agrees with
@apollo/composition) over the same deterministic subgraphs, so any difference in the
answers is a bug in one of them. Our router runs in-process through the whole request
pipeline (``router.gateway.Gateway``: parsing, validation, variables, planning,
execution); the gateway runs in one long-lived Node process.

Answers are compared after normalisation: ``data`` exactly (and its key order, which
GraphQL fixes), errors by the set of their paths, not by message text or order.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from router.auth import ANONYMOUS, Authenticator
from router.composition.compose import SubgraphInput, compose
from router.config import RouterConfig
from router.gateway.engine import FederatedEngine
from router.gateway.pipeline import Gateway
from router.gateway.request import GraphQLRequest
from router.supergraph import load_supergraph
from tests.differential.data import SubgraphHost
from tests.differential.graphs import GraphSpec, random_graph
from tests.differential.operations import Operation, random_operation
from tests.differential.shrink import shrink
from tests.differential.truth import Truth
from tests.support.servers import ServiceProcess

GATEWAY_SCRIPT = Path(__file__).with_name("gateway.mjs")


@dataclass
class Difference:
    """One operation whose answers disagree: ``ours``/``apollo`` name how each differs from the truth."""

    seed: int
    operation: Operation
    ours: dict[str, Any]
    theirs: dict[str, Any] | None  # None without the gateway
    truth: dict[str, Any]
    ours_kind: str | None  # how our answer differs from the truth
    apollo_kind: str | None  # how the gateway's answer differs from the truth
    paths: bool  # both have the right data but report errors at different paths
    supergraph: str
    subgraphs: dict[str, str]
    shrunk: Operation | None = None  # a smaller operation that still fails the same way

    @property
    def kind(self) -> str:
        if self.ours_kind:
            return f"ours: {self.ours_kind}"
        if self.apollo_kind:
            return f"apollo: {self.apollo_kind}"
        return "error paths"

    def report(self, full: bool = False) -> str:
        lines = [f"graph seed {self.seed}: {self.kind}" + (f" (apollo: {self.apollo_kind})" if self.ours_kind and self.apollo_kind else ""),
                 f"  query: {self.operation.text}"]
        if self.operation.variables:
            lines.append(f"  variables: {json.dumps(self.operation.variables)}")
        lines.append(f"  ours:   {json.dumps(self.ours)[:2000]}")
        lines.append(f"  apollo: {json.dumps(self.theirs)[:2000]}")
        lines.append(f"  truth:  {json.dumps(self.truth)[:2000]}")
        if self.shrunk is not None:
            lines.append(f"  shrunk: {self.shrunk.text}" + (f" variables {json.dumps(self.shrunk.variables)}" if self.shrunk.variables else ""))
        if full:
            for name, sdl in self.subgraphs.items():
                lines.append(f"  --- subgraph {name}\n{sdl}")
        return "\n".join(lines)


@dataclass
class GraphOutcome:
    seed: int
    composed: bool
    operations: int = 0
    differences: list[Difference] = field(default_factory=list)
    oracle_error: str | None = None


def error_paths(response: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted({tuple(e.get("path") or ()) for e in response.get("errors") or []}, key=repr)


def against_truth(answer: dict[str, Any], truth: dict[str, Any]) -> str | None:
    """How an answer differs from the expected one: data exactly, key order, errors present or not."""
    if truth["data"] is None and truth.get("errors") and not any("path" in e for e in truth["errors"]):
        return None if "data" not in answer and answer.get("errors") else "request error expected"
    if "data" not in answer:
        return "no data"
    if answer["data"] != truth["data"]:
        return "data"
    if json.dumps(answer["data"]) != json.dumps(truth["data"]):
        return "key order"
    if bool(answer.get("errors")) != bool(truth.get("errors")):
        return "errors presence"
    return None


class Oracle:
    """@apollo/gateway in one Node process, fed one graph at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(GATEWAY_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def submit(self, supergraph: str, operations: list[Operation]) -> None:
        assert self.process.stdin is not None
        # the gateway refuses authorization specs "for: SECURITY" (an Apollo Router feature); it
        # does not enforce them anyway, so the purpose is dropped for it
        supergraph = re.sub(r'(specs\.apollo\.dev/(?:authenticated|requiresScopes|policy)/v[0-9.]+"), for: SECURITY', r"\1", supergraph)
        payload = {"supergraph": supergraph, "operations": [{"query": o.text, "variables": o.variables, "operationName": o.operation_name} for o in operations]}
        self.process.stdin.write(json.dumps(payload) + "\n")
        self.process.stdin.flush()

    def collect(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the @apollo/gateway oracle exited")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def compose_graph(graph: GraphSpec, urls: dict[str, str]) -> str | None:
    result = compose([SubgraphInput(s.name, urls[s.name], graph.sdl(s)) for s in graph.subgraphs])
    return result.supergraph_sdl if result.ok else None


async def run_ours(supergraph: str, operations: list[Operation]) -> list[dict[str, Any]]:
    config = RouterConfig()
    engine = FederatedEngine(load_supergraph(supergraph), config)
    gateway = Gateway(engine, config, Authenticator(config.auth))
    try:
        results = []
        for op in operations:
            request = GraphQLRequest(op.text, op.operation_name, op.variables)
            # queries may come over GET too; a deterministic choice keeps runs reproducible
            query_only = op.text.startswith("query") and "\nmutation" not in op.text
            method = "GET" if query_only and len(op.text) % 5 == 0 else "POST"
            result = await gateway.run(request, method=method, principal=ANONYMOUS, headers={})
            results.append(result.body)
        return results
    finally:
        await engine.aclose()


async def run_ours_http(supergraph: str, operations: list[Operation]) -> list[dict[str, Any]]:
    """The same through ``python -m router serve`` (HTTP layer, worker processes): slower."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "supergraph.graphql"
        path.write_text(supergraph)
        service = ServiceProcess(["-m", "router", "serve", "--supergraph", str(path)], env={"ROUTER_WORKERS": "2"})
        service.start(timeout=60)
        try:
            async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
                results = []
                for op in operations:
                    payload = {"query": op.text, "variables": op.variables, "operationName": op.operation_name}
                    response = await client.post("/graphql", json=payload, headers={"accept": "application/json"})
                    results.append(response.json())
                return results
        finally:
            service.stop()


class DifferentialRunner:
    """Serves random graphs and compares answers; ``gateway=False`` compares with the truth only,
    ``http=True`` runs our router as a real server process instead of in-process."""

    def __init__(self, gateway: bool = True, http: bool = False) -> None:
        self.host = SubgraphHost()
        self.oracle = Oracle() if gateway else None
        self.http = http

    def close(self) -> None:
        if self.oracle is not None:
            self.oracle.close()
        self.host.close()

    async def _shrink(self, difference: Difference, supergraph: str, api_schema: Any, truth: Truth) -> Operation:
        kind = difference.ours_kind

        def still_fails(candidate: Operation) -> bool:
            answer = asyncio.run_coroutine_threadsafe(run_ours(supergraph, [candidate]), loop).result()[0]
            return against_truth(answer, truth.execute(candidate)) == kind

        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(shrink, difference.operation, api_schema, still_fails)

    async def run(
        self, seed: int, operations: int, *, allow_fed1: bool = True, shrink_first: bool = False, large: bool = False
    ) -> GraphOutcome:
        graph = random_graph(random.Random(seed), allow_fed1=allow_fed1, large=large)
        graph_id = f"g{seed}"
        urls = self.host.add(graph_id, graph)
        try:
            supergraph = compose_graph(graph, urls)
            if supergraph is None:
                return GraphOutcome(seed, composed=False)
            api_schema = load_supergraph(supergraph).api_schema
            rng = random.Random(seed * 7919 + 1)
            ops = [random_operation(rng, api_schema) for _ in range(operations)]
            if self.oracle is not None:
                self.oracle.submit(supergraph, ops)
            ours = await (run_ours_http if self.http else run_ours)(supergraph, ops)
            theirs: Any = [None] * len(ops)
            if self.oracle is not None:
                theirs = await asyncio.to_thread(self.oracle.collect)
            outcome = GraphOutcome(seed, composed=True, operations=len(ops))
            if isinstance(theirs, dict):
                outcome.oracle_error = theirs.get("error", "unknown")
                theirs = [None] * len(ops)
            sdls = {s.name: graph.sdl(s) for s in graph.subgraphs}
            truth = Truth(graph, load_supergraph(supergraph).api_schema_sdl(),
                          {s.name: self.host.subgraphs[f"{graph_id}/{s.name}"] for s in graph.subgraphs})
            for op, mine, reference in zip(ops, ours, theirs):
                expected = truth.execute(op)
                ours_kind = against_truth(mine, expected)
                apollo_kind = against_truth(reference, expected) if reference is not None else None
                paths = reference is not None and not ours_kind and not apollo_kind and error_paths(mine) != error_paths(reference)
                if ours_kind or apollo_kind or paths:
                    outcome.differences.append(Difference(seed, op, mine, reference, expected, ours_kind, apollo_kind,
                                                          paths, supergraph, sdls))
            ours_wrong = [d for d in outcome.differences if d.ours_kind]
            if shrink_first and ours_wrong:
                ours_wrong[0].shrunk = await self._shrink(ours_wrong[0], supergraph, api_schema, truth)
            return outcome
        finally:
            self.host.remove(graph_id)
