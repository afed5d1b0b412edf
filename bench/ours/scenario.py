"""Scenario ``ours``: our product's own supergraph with its real subgraphs.

The four subgraphs run as ``python -m subgraphs.<name>`` on free ports (load CPU) with fresh
SQLite files in a temporary directory and the local RabbitMQ under a throwaway namespace. One
customer registers and places a few orders; once the events have settled (notifications and
recommendations written), every gateway is asked the customer's page with their JWT:

    { me { id name orders { id status items { product { name } } }
           notifications { id content } recommendations { reason product { name price } } } }

The expected answer is assembled from direct calls to each subgraph's own root fields, not
through any gateway. Peers get the supergraph without its SECURITY features (@authenticated,
@requiresScopes), which @apollo/gateway refuses to load; the subgraphs check the token anyway.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any, Final

import httpx
from graphql import DirectiveNode, Visitor, parse, print_ast, visit
from graphql.language import ArgumentNode, EnumValueNode, SchemaDefinitionNode

from bench.procs import Pinning, Processes, Started, free_port, wait_until
from bench.scenario import ROOT, Prepared, ScenarioUnavailable, compose, write_request

SERVICES: Final = ("users", "orders", "notifications", "recommendations")
URL_SETTINGS: Final = {"users": "USER_SERVICE_URL", "notifications": "NOTIF_SERVICE_URL",
                       "recommendations": "RECOMMEND_SERVICE_URL", "orders": "ORDER_SERVICE_URL"}
AMQP_URL: Final = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
PASSWORD: Final = "bench-Passw0rd-42"
ORDERS: Final = ([(1, 2), (7, 1)], [(3, 1)], [(12, 1), (25, 3), (40, 1)])  # (productId, quantity) per order
DEFAULT_GATEWAYS = ("ours", "ours-nodedup", "compare", "apollo", "hive-rust", "hive-rust-dedup", "ceiling")

QUERY: Final = """query CustomerPage {
  me {
    id
    name
    orders { id status items { product { name } } }
    notifications { id content }
    recommendations { reason product { name price } }
  }
}"""

_SECURITY_DIRECTIVES: Final = {"authenticated", "requiresScopes", "policy"}


def without_security_features(sdl: str) -> str:
    """The supergraph minus ``for: SECURITY`` links and their directive applications."""

    class Strip(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: Any) -> Any:
            if node.name.value in _SECURITY_DIRECTIVES:
                return self.REMOVE
            if node.name.value == "link" and any(
                isinstance(a, ArgumentNode) and a.name.value == "for" and isinstance(a.value, EnumValueNode)
                and a.value.value == "SECURITY" for a in node.arguments
            ):
                return self.REMOVE
            return None

    document = visit(parse(sdl), Strip())
    assert any(isinstance(d, SchemaDefinitionNode) for d in document.definitions)
    return print_ast(document) + "\n"


def _rabbitmq_reachable() -> bool:
    import pika

    try:
        pika.BlockingConnection(pika.URLParameters(AMQP_URL)).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means: not usable
        return False


class Cluster:
    """The four subgraphs, each its own process on a free port."""

    def __init__(self, procs: Processes, pinning: Pinning, workdir: Path, secret: str, namespace: str) -> None:
        self.procs = procs
        self.ports = {name: free_port() for name in SERVICES}
        self.started: dict[str, Started] = {}
        for name in SERVICES:
            env = {
                **os.environ,
                "SECRET_KEY": secret,
                "DATABASE_URL": f"sqlite:///{workdir}/{name}.db",
                "AMQP_URL": AMQP_URL,
                "EVENT_NAMESPACE": namespace,
                "FAST_PASSWORD_HASHING": "true",
                "OUTBOX_POLL_SECONDS": "0.2",
                # nothing changes while gateways are measured: no status steps, no scheduled refresh
                "ORDER_STATUS_INTERVAL_SECONDS": "86400",
                "RECOMMENDATION_INTERVAL_SECONDS": "86400",
                "LOG_LEVEL": "WARNING",
                "HOST": "127.0.0.1",
                "PORT": str(self.ports[name]),
            }
            argv = [sys.executable, "-m", f"subgraphs.{name}"]
            self.started[name] = procs.start(f"subgraph-{name}", pinning.argv(pinning.load, argv), env=env, cwd=ROOT)
        self.client = httpx.Client(timeout=30)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}/graphql"

    def wait_ready(self) -> None:
        def healthy(url: str) -> bool:
            return bool(self.client.get(url).json().get("broker") == "ok")

        for name, entry in self.started.items():
            health = f"http://127.0.0.1:{self.ports[name]}/health"
            wait_until(partial(healthy, health), f"subgraph {name}", entry, timeout=90)

    def gql(self, name: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = self.client.post(self.url(name), json={"query": query, "variables": variables or {}}, headers=headers)
        body = reply.json()
        if reply.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"subgraph {name}: HTTP {reply.status_code} {body}")
        return body["data"]

    def stop(self) -> None:
        self.client.close()
        for entry in self.started.values():
            self.procs.stop(entry)


def _seed(cluster: Cluster) -> str:
    """A new customer with the orders of ``ORDERS``; their token."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    cluster.gql("users", "mutation($i: UserInput!) { register(userInput: $i) { id } }",
                {"i": {"name": "Bench Customer", "email": email, "password": PASSWORD}})
    login = cluster.gql("users", "mutation($i: LoginInput!) { login(loginInput: $i) { token } }",
                        {"i": {"email": email, "password": PASSWORD}})["login"]
    for items in ORDERS:
        cluster.gql("orders", "mutation($i: OrderInput!) { placeOrder(orderInput: $i) { id } }",
                    {"i": {"items": [{"productId": p, "quantity": q} for p, q in items]}}, login["token"])
    return str(login["token"])


def _expected(cluster: Cluster, token: str) -> dict[str, Any]:
    """The customer page assembled from each subgraph's own root fields."""
    me = cluster.gql("users", "{ me { id name } }", token=token)["me"]
    orders = cluster.gql("orders", "{ orders(first: 20) { id status items { product { name } } } }", token=token)
    notifications = cluster.gql("notifications", "{ userNotifications(first: 50) { id content } }", token=token)
    recommendations = cluster.gql("recommendations", "{ recommendations(first: 20) { reason productId } }",
                                  token=token)["recommendations"]
    products: dict[int, Any] = {}
    for rec in recommendations:
        if rec["productId"] not in products:
            products[rec["productId"]] = cluster.gql(
                "orders", "query($id: Int!) { product(id: $id) { name price } }", {"id": rec["productId"]})["product"]
    return {"data": {"me": {
        "id": me["id"],
        "name": me["name"],
        "orders": orders["orders"],
        "notifications": notifications["userNotifications"],
        "recommendations": [{"reason": r["reason"], "product": products[r["productId"]]} for r in recommendations],
    }}}


def _settled(cluster: Cluster, token: str, timeout: float = 60.0) -> dict[str, Any]:
    """Wait until the order events have produced their notifications and recommendations."""
    deadline = time.monotonic() + timeout
    previous: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        current = _expected(cluster, token)
        me = current["data"]["me"]
        if current == previous and len(me["notifications"]) >= len(ORDERS) and me["recommendations"]:
            return current
        previous = current
        time.sleep(1.5)
    raise RuntimeError("the order events did not settle (notifications/recommendations) within "
                       f"{timeout:g}s; see the subgraph logs")


def _delete_namespace(namespace: str) -> None:
    import pika

    from subgraphs.common.events.topology import Topology

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        Topology(namespace).delete(connection.channel())
    finally:
        connection.close()


def prepare(procs: Processes, pinning: Pinning, workdir: Path) -> Prepared:
    if not _rabbitmq_reachable():
        raise ScenarioUnavailable(f"RabbitMQ is not reachable at {AMQP_URL} (start it: rabbitmq-server -detached, "
                                  "or set BENCH_AMQP_URL)")
    secret = secrets.token_urlsafe(48)
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    prepared = Prepared(name="ours", title="", supergraph=workdir / "supergraph.graphql",
                        peer_supergraph=workdir / "supergraph.peers.graphql", body=workdir / "body.json",
                        expected={}, answer=workdir / "answer.json", forward_auth=True, env={"SECRET_KEY": secret},
                        default_gateways=DEFAULT_GATEWAYS)
    prepared.cleanups.append(lambda: _delete_namespace(namespace))
    cluster = Cluster(procs, pinning, workdir, secret, namespace)
    prepared.cleanups.append(cluster.stop)
    try:
        cluster.wait_ready()
        env = {**os.environ, **{URL_SETTINGS[name]: cluster.url(name) for name in SERVICES}}
        compose(ROOT / "supergraph.yaml", prepared.supergraph, env)
        prepared.peer_supergraph.write_text(without_security_features(prepared.supergraph.read_text()))
        token = _seed(cluster)
        prepared.expected = _settled(cluster, token)
    except BaseException:
        prepared.cleanup()
        raise
    write_request(workdir, QUERY, prepared.expected)
    me = prepared.expected["data"]["me"]
    prepared.headers = {"Authorization": f"Bearer {token}"}
    prepared.title = (f"our supergraph, real subgraphs (SQLite, RabbitMQ), one customer's page with a JWT: "
                      f"{len(me['orders'])} orders, {len(me['notifications'])} notifications, "
                      f"{len(me['recommendations'])} recommendations ({prepared.answer.stat().st_size:,}-byte answer)")
    return prepared
