"""Our product, live: subscribe at the router, place an order through it, get the notification pushed.

users, orders and notifications run as their own processes (real RabbitMQ, SQLite
files), the router serves the committed supergraph; the path of a push is
placeOrder -> orders outbox -> RabbitMQ -> notifications handler commit -> live
fan-out -> notifications WebSocket -> router -> client WebSocket.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_SECRET_KEY, service_env
from tests.support.graphql_ws import graphql_ws
from tests.support.rabbit import RabbitClient
from tests.support.servers import ServiceProcess

pytestmark = [pytest.mark.system, pytest.mark.rabbitmq]

ROOT = Path(__file__).resolve().parents[2]
SUBGRAPHS = ("users", "orders", "notifications")
PASSWORD = "s3cure-Passw0rd"
SUBSCRIBE = "subscription { notificationAdded { id userId type content sentAt read } }"


class Product:
    def __init__(self, router_url: str) -> None:
        self.url = router_url + "/graphql"
        self.client = httpx.Client(timeout=30)

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = self.client.post(self.url, json={"query": query, "variables": variables or {}}, headers=headers)
        body: dict[str, Any] = response.json()
        assert response.status_code == 200 and "errors" not in body, response.text
        return body["data"]  # type: ignore[no-any-return]

    def user(self) -> tuple[int, str]:
        email = f"live-{uuid.uuid4().hex[:8]}@example.com"
        self.gql("mutation($i: UserInput!) { register(userInput: $i) { id } }",
                 {"i": {"name": "Live", "email": email, "password": PASSWORD}})
        login = self.gql("mutation($i: LoginInput!) { login(loginInput: $i) { token userId } }",
                         {"i": {"email": email, "password": PASSWORD}})["login"]
        return int(login["userId"]), str(login["token"])


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory, broker: None) -> Iterator[Product]:
    tmp = tmp_path_factory.mktemp("product-live")
    namespace = f"t{uuid.uuid4().hex[:10]}."
    processes: list[ServiceProcess] = []
    try:
        urls = {"SUBGRAPH_URL_RECOMMENDATIONS": "http://127.0.0.1:9/graphql"}  # not needed here
        for name in SUBGRAPHS:
            env = service_env(f"sqlite:///{tmp}/{name}.db", namespace)
            processes.append(ServiceProcess(["-m", f"subgraphs.{name}"], env, log_path=str(tmp / f"{name}.log")).start())
            urls[f"SUBGRAPH_URL_{name.upper()}"] = processes[-1].url + "/graphql"
        router = ServiceProcess(
            ["-m", "router", "serve", "--supergraph", str(ROOT / "supergraph.graphql")],
            {"SECRET_KEY": TEST_SECRET_KEY, "ALGORITHM": "HS256", "ROUTER_WORKERS": "1", **urls},
            log_path=str(tmp / "router.log"),
        )
        processes.append(router.start())
        yield Product(router.url)
        assert "Traceback" not in (tmp / "router.log").read_text()
    finally:
        for process in reversed(processes):
            process.stop()
        client = RabbitClient()
        try:
            client.delete_namespace(namespace)
        finally:
            client.close()


async def test_an_order_placed_through_the_router_is_pushed_live(product: Product) -> None:
    user_id, token = product.user()
    _other_id, other_token = product.user()
    async with graphql_ws(product.url) as ws, graphql_ws(product.url) as other:
        assert (await ws.init({"Authorization": f"Bearer {token}"}))["type"] == "connection_ack"
        assert (await other.init({"Authorization": f"Bearer {other_token}"}))["type"] == "connection_ack"
        await ws.subscribe("live", SUBSCRIBE)
        await other.subscribe("live", SUBSCRIBE)
        await asyncio.sleep(0.5)  # the protocol has no "subscribed" ack: let both reach the subgraph
        # the placeOrder mutation over the same WebSocket (graphql-transport-ws runs any operation)
        await ws.subscribe("order", "mutation { placeOrder(orderInput: {items: [{productId: 1, quantity: 2}]}) { id status } }")
        messages = {}
        while len(messages) < 2:
            message = await ws.receive(timeout=20)
            if message["type"] == "next":
                messages[message["id"]] = message["payload"]
        order = messages["order"]["data"]["placeOrder"]
        pushed = messages["live"]["data"]["notificationAdded"]
        assert pushed["content"].startswith(f"Your order #{order['id']} has been placed")
        assert (pushed["userId"], pushed["type"], pushed["read"]) == (user_id, "order_update", False)
        stored = product.gql("{ userNotifications(first: 1) { id userId type content sentAt read } }", token=token)
        assert stored["userNotifications"] == [pushed]
        with pytest.raises(TimeoutError):
            await other.receive(timeout=1.0)  # someone else's order is not pushed to them


async def test_subscribing_needs_a_token(product: Product) -> None:
    async with graphql_ws(product.url) as ws:
        await ws.init()
        await ws.subscribe("live", SUBSCRIBE)
        message = await ws.receive()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
