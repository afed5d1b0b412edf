"""Our own graph through the router: four subgraph processes, the committed supergraph, real HTTP.

The scenario a client of the platform runs: register and log in without a token,
see personal fields refused without one, then one federated query across all four
subgraphs with it, and an order placed through the router showing up in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_SECRET_KEY, service_env
from tests.support.rabbit import RabbitClient
from tests.support.servers import ServiceProcess

pytestmark = [pytest.mark.system, pytest.mark.rabbitmq]

ROOT = Path(__file__).resolve().parents[2]
SUBGRAPHS = ("users", "orders", "notifications", "recommendations")
PASSWORD = "s3cure-Passw0rd"


class RouterClient:
    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def product_router(tmp_path_factory: pytest.TempPathFactory, broker: None) -> Iterator[RouterClient]:
    tmp = tmp_path_factory.mktemp("product-graph")
    namespace = f"t{uuid.uuid4().hex[:10]}."
    processes: list[ServiceProcess] = []
    try:
        urls = {}
        for name in SUBGRAPHS:
            env = service_env(f"sqlite:///{tmp}/{name}.db", namespace)
            process = ServiceProcess(["-m", f"subgraphs.{name}"], env, log_path=str(tmp / f"{name}.log"))
            processes.append(process.start())
            urls[f"SUBGRAPH_URL_{name.upper()}"] = process.url + "/graphql"
        router = ServiceProcess(
            ["-m", "router", "serve", "--supergraph", str(ROOT / "supergraph.graphql")],
            {"SECRET_KEY": TEST_SECRET_KEY, "ALGORITHM": "HS256", **urls},
            log_path=str(tmp / "router.log"),
        )
        processes.append(router.start())
        yield RouterClient(router.url)
        assert "Traceback" not in (tmp / "router.log").read_text()
    finally:
        for process in reversed(processes):
            process.stop()
        client = RabbitClient()
        try:
            client.delete_namespace(namespace)
        finally:
            client.close()


def test_register_login_and_one_federated_query_across_all_subgraphs(product_router: RouterClient) -> None:
    email = f"router-{uuid.uuid4().hex[:8]}@example.com"
    registered = product_router.gql(
        "mutation($i: UserInput!) { register(userInput: $i) { id name } }",
        {"i": {"name": "Router Tester", "email": email, "password": PASSWORD}},
    )
    assert registered["data"]["register"]["name"] == "Router Tester"
    login = product_router.gql(
        "mutation($i: LoginInput!) { login(loginInput: $i) { token userId } }",
        {"i": {"email": email, "password": PASSWORD}},
    )["data"]["login"]
    token = login["token"]

    anonymous = product_router.gql("{ me { name } products(first: 1) { name } }")
    assert anonymous["data"]["me"] is None
    assert len(anonymous["data"]["products"]) == 1
    assert anonymous["errors"] == [
        {"message": "Unauthorized field or type", "path": ["me"], "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}
    ]

    product = product_router.gql("{ products(first: 1) { id name } }")["data"]["products"][0]
    placed = product_router.gql(
        "mutation($o: OrderInput!) { placeOrder(orderInput: $o) { id status } }",
        {"o": {"items": [{"productId": product["id"], "quantity": 2}]}},
        token=token,
    )
    assert "errors" not in placed, placed
    order_id = placed["data"]["placeOrder"]["id"]

    everything = product_router.gql(
        "{ me { name orders { id status items { product { name } } } notifications { content read }"
        " recommendations { reason product { name price } } } }",
        token=token,
    )
    assert "errors" not in everything, everything
    me = everything["data"]["me"]
    assert me["name"] == "Router Tester"
    assert [order["id"] for order in me["orders"]] == [order_id]
    assert me["orders"][0]["items"] == [{"product": {"name": product["name"]}}]
    assert isinstance(me["notifications"], list) and isinstance(me["recommendations"], list)


def test_a_forged_token_is_refused_before_any_subgraph(product_router: RouterClient) -> None:
    response = product_router.client.post(
        "/graphql", json={"query": "{ me { name } }"}, headers={"authorization": "Bearer forged.token.value"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_unauthorized_non_null_root_field_nulls_data_with_one_error(product_router: RouterClient) -> None:
    # userNotifications is [Notification!]! and @authenticated: its null bubbles to `data`,
    # and the unauthorized error alone explains it (no second "Cannot return null" error).
    anonymous = product_router.gql("{ products(first: 1) { id } userNotifications { id content } }")
    assert anonymous == {
        "data": None,
        "errors": [
            {
                "message": "Unauthorized field or type",
                "path": ["userNotifications"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            }
        ],
    }
