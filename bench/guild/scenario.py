"""Scenario ``guild``: The Guild's graphql-gateways-benchmark, reproduced with our own code.

The four subgraphs (accounts, inventory, products, reviews) with the benchmark's SDL and data
run in one memo server on the load CPU, one path each as in the benchmark; the supergraph is
composed once by our composer; the query is the benchmark's large nested one (fragments,
``@requires``, ``@provides``, entity jumps), 87,599 bytes of answer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx

from bench.guild import data, oracle
from bench.guild.subgraphs import NAMES, SCHEMAS_DIR
from bench.procs import Pinning, Processes, free_port, wait_until
from bench.scenario import ROOT, Prepared, compose, write_request

DEFAULT_GATEWAYS = ("ours", "ours-nodedup", "compare", "apollo", "hive-js", "hive-rust", "hive-rust-dedup", "ceiling")


def supergraph_config(base_url: str) -> str:
    """A rover-format config naming the SDL files and where the memo server serves each subgraph."""
    lines = ["federation_version: =2.3.0", "subgraphs:"]
    for name in NAMES:
        lines += [f"  {name}:", f"    routing_url: {base_url}/{name}", "    schema:",
                  f"      file: {SCHEMAS_DIR / f'{name}.graphql'}"]
    return "\n".join(lines) + "\n"


def prepare(procs: Processes, pinning: Pinning, workdir: Path) -> Prepared:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "bench.memo_server", "--port", str(port), "guild"]
    server = procs.start("guild-subgraphs", pinning.argv(pinning.load, argv), env=dict(os.environ), cwd=ROOT)
    wait_until(lambda: httpx.get(f"{base_url}/health", timeout=2).status_code == 200, "the memo subgraphs", server,
               timeout=60)
    config = workdir / "supergraph.yaml"
    config.write_text(supergraph_config(base_url))
    supergraph = workdir / "supergraph.graphql"
    compose(config, supergraph)
    expected = oracle.expected_answer()
    body, answer = write_request(workdir, data.QUERY, expected)

    def subgraph_calls() -> int:
        return sum(httpx.get(f"{base_url}/stats", timeout=5).json().values())

    return Prepared(
        name="guild",
        title="The Guild's graphql-gateways-benchmark: 4 memo subgraphs, its nested query "
              f"({answer.stat().st_size:,}-byte answer)",
        supergraph=supergraph,
        peer_supergraph=supergraph,
        body=body,
        expected=expected,
        answer=answer,
        subgraph_calls=subgraph_calls,
        default_gateways=DEFAULT_GATEWAYS,
        cleanups=[lambda: procs.stop(server)],
    )
