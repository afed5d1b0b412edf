"""Shared subgraph subscriptions: N identical clients, with and without ROUTER_DEDUPE_SUBSCRIPTIONS.

The test subgraphs of ``tests/router_subscriptions`` (reviews produces ``reviewAdded``,
products completes each event's ``product { name }``, reviews again ``priceBand``) run
on threads of this process; two routers run as their own processes over them, one with
``--dedupe-subscriptions`` and one with ``--no-dedupe-subscriptions``, measured one after
the other in the same run. Per router: ``--clients`` graphql-transport-ws clients (one
socket each, same operation, anonymous) subscribe, then ``--events`` reviews are added
at the reviews subgraph one at a time; for each, the time until the last client has the
completed event. Printed: subgraph subscriptions the reviews subgraph opened, the
latency percentiles, the routers' CPU seconds over the event phase, and the ratios of
shared against unshared.

Usage: .venv/bin/python scripts/bench_shared_subscriptions.py [--clients 100] [--events 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from router.composition.compose import SubgraphInput, compose  # noqa: E402
from tests.router_subscriptions.subgraphs import BROKER, apps, products_schema, reviews_schema, service_sdl  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.servers import ThreadedServer, wait_for_http  # noqa: E402

QUERY = "subscription { reviewAdded { body product { id name priceBand } } }"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def client(url: str) -> ClientConnection:
    connection = await connect(url, subprotocols=["graphql-transport-ws"], max_size=2**24)  # type: ignore[list-item]
    await connection.send(orjson.dumps({"type": "connection_init"}).decode())
    assert orjson.loads(await connection.recv())["type"] == "connection_ack"
    await connection.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": QUERY}}).decode())
    return connection


async def next_body(connection: ClientConnection) -> str:
    while True:
        message = orjson.loads(await connection.recv())
        if message["type"] == "ping":
            await connection.send('{"type":"pong"}')
            continue
        assert message["type"] == "next", message
        return str(message["payload"]["data"]["reviewAdded"]["body"])


async def measure(router_url: str, router_pid: int, reviews_url: str, clients: int, events: int) -> dict[str, Any]:
    opened = BROKER.opened
    ws_url = "ws" + router_url[len("http"):]
    connections = [await client(ws_url) for _ in range(clients)]
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(timeout=30) as http:
        async def add(body: str) -> None:
            response = await http.post(reviews_url, json={
                "query": "mutation($b: String!) { addReview(productId: \"1\", body: $b) { id } }", "variables": {"b": body}})
            assert response.status_code == 200 and "errors" not in response.json(), response.text

        # Every client is subscribed once a probe event reaches all of them.
        while True:
            await add("probe")
            try:
                await asyncio.wait_for(asyncio.gather(*(next_body(c) for c in connections)), 2)
                break
            except TimeoutError:
                assert time.monotonic() < deadline, "clients did not all subscribe"
                # drain what did arrive; clients that missed the probe get the next one
                for connection in connections:
                    while True:
                        try:
                            await asyncio.wait_for(connection.recv(), 0.05)
                        except TimeoutError:
                            break
        upstreams = BROKER.opened - opened
        latencies = []
        cpu_before = cpu_seconds(router_pid)
        for n in range(events):
            body = f"event {n}"
            started = time.perf_counter()
            received = asyncio.gather(*(next_body(c) for c in connections))
            await add(body)
            bodies = await asyncio.wait_for(received, 30)
            latencies.append((time.perf_counter() - started) * 1000)
            assert set(bodies) == {body}, set(bodies)
        cpu = cpu_seconds(router_pid) - cpu_before
    for connection in connections:
        await connection.close()
    latencies.sort()
    return {
        "upstreams": upstreams,
        "p50": statistics.median(latencies),
        "p90": latencies[int(len(latencies) * 0.9) - 1],
        "cpu": cpu,
    }


def start_router(supergraph: Path, dedupe: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    flag = "--dedupe-subscriptions" if dedupe else "--no-dedupe-subscriptions"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROUTER_", "SUBGRAPH_", "SECRET_KEY"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph), "--port", str(port),
         "--workers", "1", flag],
        cwd=ROOT, env={**env, "ROUTER_WS_PING_INTERVAL": "off"}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(url + "/health", process=process)
    return process, url + "/graphql"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--events", type=int, default=40)
    args = parser.parse_args()
    servers = {
        name: ThreadedServer(Starlette(routes=[Route("/graphql", app), WebSocketRoute("/graphql", app)])).start()
        for name, app in apps().items()
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        result = compose([
            SubgraphInput("reviews", servers["reviews"].url + "/graphql", service_sdl(reviews_schema)),
            SubgraphInput("products", servers["products"].url + "/graphql", service_sdl(products_schema)),
        ])
        assert result.ok, result.errors
        with tempfile.TemporaryDirectory() as tmp:
            supergraph = Path(tmp) / "supergraph.graphql"
            supergraph.write_text(result.supergraph_sdl or "")
            figures = {}
            for dedupe in (False, True):
                process, url = start_router(supergraph, dedupe)
                processes.append(process)
                figures[dedupe] = await measure(url, process.pid, servers["reviews"].url + "/graphql",
                                                args.clients, args.events)
                process.terminate()
                process.wait(timeout=15)
        print(f"{args.clients} identical clients (graphql-transport-ws), {args.events} events, each completed "
              "through products and reviews")
        print(f"{'':24} {'subgraph subs':>13} {'all received p50':>17} {'p90':>9} {'router CPU':>11}")
        for dedupe, label in ((False, "unshared (baseline)"), (True, "shared")):
            f = figures[dedupe]
            print(f"{label:24} {f['upstreams']:>13} {f['p50']:>14.1f} ms {f['p90']:>6.1f} ms {f['cpu']:>9.2f} s")
        base, shared = figures[False], figures[True]
        print(f"shared / unshared: p50 x{shared['p50'] / base['p50']:.2f}, p90 x{shared['p90'] / base['p90']:.2f}, "
              f"router CPU x{shared['cpu'] / base['cpu']:.2f}" if base["cpu"] else "")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
