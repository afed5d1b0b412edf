"""The protocols' reference clients (npm graphql-ws and graphql-sse) against the router."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from tests.router_subscriptions.conftest import Router, broker_idle, token, wait_for

pytestmark = pytest.mark.node

ROOT = Path(__file__).resolve().parents[2]
LIVE = {"data": {"reviewAdded": {"body": "from node", "product": {"name": "Lamp", "priceBand": "cheap"}}}}


async def test_graphql_ws_and_graphql_sse_clients_work_with_the_router(router: Router) -> None:
    node = shutil.which("node")
    assert node is not None and (ROOT / "tools/node/node_modules/graphql-ws").exists(), "run `make node`"
    await wait_for(broker_idle)
    process = await asyncio.create_subprocess_exec(
        node, "--no-warnings", "--experimental-websocket", str(ROOT / "tests/router_subscriptions/reference_clients.mjs"),
        router.url, token(scope="reader"), cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    result = json.loads(stdout)
    for name in ("ws", "sse"):
        received = result[name]
        assert received["countdown"] == [{"data": {"countdown": 2}}, {"data": {"countdown": 1}}], name
        assert received["query"] == [{"data": {"product": {"name": "Desk"}}}], name
        assert received["event"] == LIVE, name
    # refused before subscribing: graphql-ws rejects with the error list, graphql-sse yields it
    assert result["ws"]["denied"]["error"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    assert result["sse"]["denied"][0]["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
