"""graphql-http's server audit (the GraphQL-over-HTTP conformance suite) against our server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.router_server.conftest import RouterUnderTest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "tools" / "node" / "node_modules"
SCRIPT = Path(__file__).with_name("graphql_http_audit.cjs")


def run_audit(url: str) -> list[dict]:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "graphql-http").is_dir():
        pytest.fail("node and tools/node/node_modules are required (run `make node`)")
    completed = subprocess.run(
        [node, str(SCRIPT), url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.node
def test_every_graphql_over_http_audit_passes(router: RouterUnderTest) -> None:
    results = run_audit(router.url)
    failures = [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    assert not failures, "\n".join(failures)
    levels = {level: sum(1 for r in results if r["name"].startswith(level)) for level in ("MUST", "SHOULD", "MAY")}
    assert levels["MUST"] >= 13 and levels["SHOULD"] >= 23  # the audit did run its full list
