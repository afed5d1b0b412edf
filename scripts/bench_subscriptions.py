"""Live notification latency: placeOrder through the router -> the pushed notificationAdded.

Starts users, orders and notifications as their own processes (SQLite files by default,
or fresh PostgreSQL databases) on the local RabbitMQ under a throwaway namespace, and
the router over the committed supergraph. One customer subscribes to
``notificationAdded`` twice: through the router (graphql-transport-ws) and directly at
the notifications subgraph. Then ``--orders`` orders are placed through the router one
at a time (``--interval`` apart) and, per order, the script records

- the placeOrder HTTP round trip through the router (baseline, same run),
- placeOrder sent -> push received from the router (the figure users see),
- push from the subgraph -> the same push from the router (the router's own share).

Usage: .venv/bin/python scripts/bench_subscriptions.py [--orders 50] [--interval 0.2] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from benchkit import AMQP_URL, databases, delete_namespace, free_port, percentile

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("users", "orders", "notifications")
PLACED = re.compile(r"^Your order #(\d+) has been placed")
PASSWORD = "bench-Passw0rd-42"
SUBSCRIBE = "subscription { notificationAdded { id content } }"
PLACE = "mutation { placeOrder(orderInput: {items: [{productId: 1, quantity: 1}]}) { id } }"








def summary(values: list[float]) -> str:
    return (f"p50 {percentile(values, 0.5):7.1f} ms   p90 {percentile(values, 0.9):7.1f} ms   "
            f"p99 {percentile(values, 0.99):7.1f} ms")





class Processes:
    """The three subgraphs and the router, each its own process."""

    def __init__(self, databases: dict[str, str], namespace: str, tmp: Path) -> None:
        self.secret = secrets.token_urlsafe(48)
        self.ports = {name: free_port() for name in (*SERVICES, "router")}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs = []
        common = {"SECRET_KEY": self.secret, "ALGORITHM": "HS256", "LOG_LEVEL": "WARNING", "HOST": "127.0.0.1"}
        for name in SERVICES:
            self._start(name, [sys.executable, "-m", f"subgraphs.{name}"], tmp, {
                **common, "DATABASE_URL": databases[name], "AMQP_URL": AMQP_URL, "EVENT_NAMESPACE": namespace,
                "FAST_PASSWORD_HASHING": "true", "ORDER_STATUS_INTERVAL_SECONDS": "3600",
            })
        urls = {f"SUBGRAPH_URL_{name.upper()}": f"{self.url(name)}/graphql" for name in SERVICES}
        urls["SUBGRAPH_URL_RECOMMENDATIONS"] = "http://127.0.0.1:9/graphql"  # not used here
        self._start("router", [sys.executable, "-m", "router", "serve", "--supergraph", str(ROOT / "supergraph.graphql")],
                    tmp, {**common, "ROUTER_WORKERS": "1", **urls})

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def _start(self, name: str, args: list[str], tmp: Path, env: dict[str, str]) -> None:
        log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.logs.append(log)
        self.processes[name] = subprocess.Popen(
            args, env={**os.environ, **env, "PORT": str(self.ports[name])}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for name, process in self.processes.items():
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited; see its log")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(self.url(name) + "/health", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become ready")
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()





async def gql(client: httpx.AsyncClient, url: str, query: str, variables: Any = None, token: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = (await client.post(url, json={"query": query, "variables": variables or {}}, headers=headers)).json()
    if "errors" in body:
        raise RuntimeError(str(body["errors"]))
    return body["data"]


async def subscribe(url: str, token: str) -> ClientConnection:
    connection = await connect("ws" + url[4:] + "/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await connection.send(orjson.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}).decode())
    assert orjson.loads(await connection.recv())["type"] == "connection_ack"
    await connection.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}).decode())
    return connection


async def arrivals(connection: ClientConnection, into: dict[int, float], name: str) -> None:
    """Record when each "placed" notification arrives on ``connection``."""
    async for raw in connection:
        message = orjson.loads(raw)
        if message.get("type") == "ping":
            await connection.send('{"type":"pong"}')
        elif message.get("type") == "next":
            match = PLACED.match(message["payload"]["data"]["notificationAdded"]["content"])
            if match:
                into[int(match.group(1))] = time.perf_counter()
        elif message.get("type") in ("error", "complete"):
            raise RuntimeError(f"{name} subscription ended: {message}")


async def measure(processes: Processes, orders: int, interval: float) -> None:
    router = processes.url("router") + "/graphql"
    async with httpx.AsyncClient(timeout=30) as client:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        await gql(client, router, "mutation($i: UserInput!) { register(userInput: $i) { id } }",
                  {"i": {"name": "Bench", "email": email, "password": PASSWORD}})
        token = (await gql(client, router, "mutation($i: LoginInput!) { login(loginInput: $i) { token } }",
                           {"i": {"email": email, "password": PASSWORD}}))["login"]["token"]
        via_router = await subscribe(processes.url("router"), token)
        direct = await subscribe(processes.url("notifications"), token)
        at_router: dict[int, float] = {}
        at_subgraph: dict[int, float] = {}
        readers = [asyncio.ensure_future(arrivals(via_router, at_router, "router")),
                   asyncio.ensure_future(arrivals(direct, at_subgraph, "subgraph"))]
        await asyncio.sleep(1.0)  # both subscriptions reach the subgraph
        for _ in range(3):  # warm-up: connections, caches, first plans
            await gql(client, router, PLACE, token=token)
        await asyncio.sleep(1.0)
        sent: dict[int, float] = {}
        round_trips = []
        for _ in range(orders):
            started = time.perf_counter()
            order_id = int((await gql(client, router, PLACE, token=token))["placeOrder"]["id"])
            round_trips.append((time.perf_counter() - started) * 1000)
            sent[order_id] = started
            await asyncio.sleep(interval)
        deadline = time.monotonic() + 30
        while any(o not in at_router or o not in at_subgraph for o in sent) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for reader in readers:
            reader.cancel()
        await via_router.close()
        await direct.close()
    missing = [o for o in sent if o not in at_router]
    pushed = [(at_router[o] - sent[o]) * 1000 for o in sent if o in at_router]
    router_share = [(at_router[o] - at_subgraph[o]) * 1000 for o in sent if o in at_router and o in at_subgraph]
    base = percentile(round_trips, 0.5)
    print(f"orders placed through the router: {len(sent)}, pushed live: {len(pushed)}, missing: {len(missing)}")
    print(f"placeOrder round trip via router (baseline)   {summary(round_trips)}")
    print(f"placeOrder sent -> push via router             {summary(pushed)}   (x{percentile(pushed, 0.5) / base:.1f} baseline p50)")
    print(f"push at subgraph -> push via router            {summary(router_share)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between orders")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    with tempfile.TemporaryDirectory() as tmp_dir, databases(args.database, Path(tmp_dir), SERVICES) as urls:
        processes = Processes(urls, namespace, Path(tmp_dir))
        try:
            processes.wait_ready()
            asyncio.run(measure(processes, args.orders, args.interval))
        finally:
            processes.stop()
            delete_namespace(namespace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
