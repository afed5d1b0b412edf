"""Event pipeline figures: placeOrder -> stored notification latency, and sustained orders/s.

Starts the four subgraphs as their own processes (fresh PostgreSQL databases by default,
or SQLite files), on the local RabbitMQ under a throwaway namespace, registers a few
customers and then:

1. latency: places ``--orders`` orders at a light, steady ``--rate`` and measures, per order, the time from
   the order's commit (``Order.createdAt``) to the stored "placed" notification
   (``Notification.sentAt``): outbox -> relay -> broker -> consumer -> notifications DB;
2. throughput: places ``--burst`` orders from ``--concurrency`` clients as fast as the
   orders service accepts them, and measures how fast the system turns them into stored
   notifications (first order committed -> last notification stored);
3. baselines in the same run, because the machine is shared and noisy: a bare RabbitMQ
   round trip (persistent publish with confirm -> consume) and a bare placeOrder HTTP
   round trip; the figures are also printed as ratios to them.

Usage: .venv/bin/python scripts/bench_events.py [--orders 300] [--burst 600] [--concurrency 8] [--database postgres|sqlite]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pika
from benchkit import AMQP_URL, databases, delete_namespace, free_port, percentile

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("users", "orders", "notifications", "recommendations")
PLACED = re.compile(r"^Your order #(\d+) has been placed")
PASSWORD = "bench-Passw0rd-42"








def summary(values: list[float]) -> str:
    return f"p50 {percentile(values, 0.5):7.1f} ms   p99 {percentile(values, 0.99):7.1f} ms   max {max(values):7.1f} ms"


# -- infrastructure ---------------------------------------------------------------------------





class Cluster:
    def __init__(self, urls: dict[str, str], namespace: str, tmp: Path) -> None:
        secret = secrets.token_urlsafe(48)
        self.ports = {name: free_port() for name in SERVICES}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: list[Any] = []
        for name in SERVICES:
            env = {
                **os.environ,
                "SECRET_KEY": secret,
                "DATABASE_URL": urls[name],
                "AMQP_URL": AMQP_URL,
                "EVENT_NAMESPACE": namespace,
                "FAST_PASSWORD_HASHING": "true",
                "OUTBOX_POLL_SECONDS": "1",
                "ORDER_STATUS_INTERVAL_SECONDS": "3600",  # measure the order.placed flow alone
                "LOG_LEVEL": "WARNING",
                "HOST": "127.0.0.1",
                "PORT": str(self.ports[name]),
            }
            log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
            self.logs.append(log)
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"subgraphs.{name}"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        self.clients = {name: httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) for name, port in self.ports.items()}

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for name, client in self.clients.items():
            while True:
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited; see its log")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get("/health").json().get("broker") == "ok":
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become ready")
                time.sleep(0.2)

    def gql(self, service: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = self.clients[service].post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers).json()
        if "errors" in body:
            raise RuntimeError(f"{service}: {body['errors']}")
        return body["data"]  # type: ignore[no-any-return]

    def stop(self) -> None:
        for client in self.clients.values():
            client.close()
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()





# -- measurements ---------------------------------------------------------------------------------


def broker_round_trips(count: int) -> list[float]:
    """Persistent publish with confirm, then consume it: the floor any event flow pays."""
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    channel = connection.channel()
    channel.confirm_delivery()
    queue = channel.queue_declare("", exclusive=True).method.queue
    timings = []
    for n in range(count):
        started = time.perf_counter()
        channel.basic_publish("", queue, f"{n}".encode(), pika.BasicProperties(delivery_mode=2))
        while True:
            method, _properties, _body = channel.basic_get(queue, auto_ack=True)
            if method is not None:
                break
        timings.append((time.perf_counter() - started) * 1000)
    connection.close()
    return timings


def register(cluster: Cluster, count: int) -> list[tuple[int, str]]:
    users = []
    for n in range(count):
        email = f"bench-{n}-{uuid.uuid4().hex[:6]}@example.com"
        cluster.gql(
            "users",
            "mutation($i: UserInput!) { register(userInput: $i) { id } }",
            {"i": {"name": f"Bench {n}", "email": email, "password": PASSWORD}},
        )
        login = cluster.gql(
            "users", "mutation($i: LoginInput!) { login(loginInput: $i) { token userId } }", {"i": {"email": email, "password": PASSWORD}}
        )["login"]
        users.append((login["userId"], login["token"]))
    return users


PLACE = "mutation($i: OrderInput!) { placeOrder(orderInput: $i) { id createdAt } }"


def place(cluster: Cluster, token: str, n: int) -> tuple[int, datetime, float]:
    items = [{"productId": 1 + (n * 7) % 60, "quantity": 1 + n % 3}]
    started = time.perf_counter()
    order = cluster.gql("orders", PLACE, {"i": {"items": items}}, token)["placeOrder"]
    elapsed = (time.perf_counter() - started) * 1000
    return order["id"], datetime.fromisoformat(order["createdAt"]), elapsed


def placed_notifications(cluster: Cluster, token: str) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    after = None
    while True:
        page = cluster.gql(
            "notifications",
            "query($a: Int) { userNotifications(first: 100, after: $a) { id content sentAt } }",
            {"a": after},
            token,
        )["userNotifications"]
        for notification in page:
            match = PLACED.match(notification["content"])
            if match:
                found[int(match.group(1))] = datetime.fromisoformat(notification["sentAt"])
        if len(page) < 100:
            return found
        after = page[-1]["id"]


def collect(cluster: Cluster, users: list[tuple[int, str]], orders: dict[int, tuple[str, datetime]], timeout: float = 120) -> dict[int, datetime]:
    """Wait until every order has its stored "placed" notification; return their sentAt."""
    deadline = time.monotonic() + timeout
    while True:
        stored: dict[int, datetime] = {}
        for _user_id, token in users:
            stored.update(placed_notifications(cluster, token))
        if set(orders) <= set(stored):
            return stored
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(set(orders) - set(stored))} orders have no notification after {timeout}s")
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=300, help="orders for the latency measurement")
    parser.add_argument("--rate", type=float, default=10.0, help="orders per second during the latency measurement")
    parser.add_argument("--burst", type=int, default=600, help="orders for the throughput measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients during the burst")
    parser.add_argument("--users", type=int, default=20, help="customers the orders are spread over")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    args = parser.parse_args()

    namespace = f"bench{uuid.uuid4().hex[:8]}."
    with tempfile.TemporaryDirectory(prefix="bench-events-") as tmp_dir, databases(args.database, Path(tmp_dir), SERVICES) as urls:
        cluster = Cluster(urls, namespace, Path(tmp_dir))
        try:
            cluster.wait_ready()
            print(f"system: 4 subgraphs as processes, {args.database}, RabbitMQ {AMQP_URL.split('@')[-1]}, {os.cpu_count()} CPUs")
            broker = broker_round_trips(300)
            users = register(cluster, args.users)

            # 1. latency, one order at a time
            orders: dict[int, tuple[str, datetime]] = {}
            http: list[float] = []
            pace = time.perf_counter()
            for n in range(args.orders):
                _user_id, token = users[n % len(users)]
                order_id, created, elapsed = place(cluster, token, n)
                orders[order_id] = (token, created)
                http.append(elapsed)
                pace += 1 / args.rate
                time.sleep(max(0.0, pace - time.perf_counter()))
            stored = collect(cluster, users, orders)
            latency = [(stored[order_id] - created).total_seconds() * 1000 for order_id, (_t, created) in orders.items()]

            # 2. sustained throughput
            burst: dict[int, tuple[str, datetime]] = {}
            lock = threading.Lock()
            started = time.perf_counter()

            def one(n: int) -> None:
                _user_id, token = users[n % len(users)]
                order_id, created, _elapsed = place(cluster, token, args.orders + n)
                with lock:
                    burst[order_id] = (token, created)

            with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
                list(pool.map(one, range(args.burst)))
            accepted_seconds = time.perf_counter() - started
            stored = collect(cluster, users, burst)
            first_commit = min(created for _t, created in burst.values())
            last_stored = max(stored[order_id] for order_id in burst)
            end_to_end_seconds = (last_stored - first_commit).total_seconds()
            burst_latency = [(stored[order_id] - created).total_seconds() * 1000 for order_id, (_t, created) in burst.items()]
        finally:
            cluster.stop()
            delete_namespace(namespace)

    print()
    print(f"baseline  RabbitMQ round trip (persistent, confirmed)   {summary(broker)}")
    print(f"baseline  placeOrder HTTP round trip (light load)       {summary(http)}")
    print(f"latency   placeOrder commit -> stored notification      {summary(latency)}   ({args.orders} orders at {args.rate:g}/s)")
    print(
        f"          ratio to broker round trip: p50 x{percentile(latency, 0.5) / percentile(broker, 0.5):.1f}, "
        f"to placeOrder round trip: p50 x{percentile(latency, 0.5) / percentile(http, 0.5):.1f}"
    )
    print(
        f"throughput {args.burst} orders from {args.concurrency} clients: accepted at {args.burst / accepted_seconds:.0f} orders/s, "
        f"notified at {args.burst / end_to_end_seconds:.0f} orders/s end to end "
        f"(first commit -> last notification {end_to_end_seconds:.1f} s)"
    )
    print(f"          latency under that load                         {summary(burst_latency)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
