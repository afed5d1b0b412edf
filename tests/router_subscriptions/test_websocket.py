"""Subscriptions through the router over graphql-transport-ws: federation, auth, protocol, limits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from tests.router_subscriptions.conftest import Router, broker_idle, token, wait_for
from tests.router_subscriptions.subgraphs import BROKER
from tests.support.graphql_ws import GraphQLWebSocket, graphql_ws

REVIEWS = "subscription($p: ID) { reviewAdded(productId: $p) { body product { id name priceBand } } }"


async def add_review(router: Router, product_id: str, body: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            router.url,
            json={"query": "mutation($p: ID!, $b: String!) { addReview(productId: $p, body: $b) { id } }",
                  "variables": {"p": product_id, "b": body}},
        )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def subscribed(router: Router, ws: GraphQLWebSocket, operation_id: str, query: str, variables: Any = None) -> None:
    """Subscribe and wait until the subgraph holds the subscription (so no event is missed)."""
    before = BROKER.opened
    await ws.subscribe(operation_id, query, variables)
    await wait_for(lambda: BROKER.opened > before)


@pytest.fixture(autouse=True)
async def idle_subgraph() -> None:
    await wait_for(broker_idle)


async def test_each_event_is_completed_through_the_other_subgraphs(router: Router) -> None:
    async with graphql_ws(router.url) as ws:
        assert (await ws.init())["type"] == "connection_ack"
        await subscribed(router, ws, "lamps", REVIEWS, {"p": "1"})
        await subscribed(router, ws, "all", REVIEWS)
        await add_review(router, "1", "bright")
        await add_review(router, "2", "sturdy")
        received: dict[str, list[Any]] = {"lamps": [], "all": []}
        for _ in range(3):
            message = await ws.receive()
            assert message["type"] == "next", message
            received[message["id"]].append(message["payload"])
    lamp = {"body": "bright", "product": {"id": "1", "name": "Lamp", "priceBand": "cheap"}}
    desk = {"body": "sturdy", "product": {"id": "2", "name": "Desk", "priceBand": "premium"}}
    assert received == {"lamps": [{"data": {"reviewAdded": lamp}}], "all": [{"data": {"reviewAdded": lamp}}, {"data": {"reviewAdded": desk}}]}
    await wait_for(broker_idle)  # the client left: the router closed both subgraph subscriptions


async def test_client_complete_closes_the_subgraph_subscription(router: Router) -> None:
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await subscribed(router, ws, "a", REVIEWS)
        await ws.complete("a")
        await wait_for(broker_idle)
        await add_review(router, "1", "unseen")
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=0.5)
        await subscribed(router, ws, "a", REVIEWS)  # the id is free again
        await add_review(router, "1", "seen")
        message = await ws.receive()
        assert message["payload"]["data"]["reviewAdded"]["body"] == "seen"


async def test_a_finite_subscription_completes(router: Router) -> None:
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await ws.subscribe("c", "subscription { countdown(start: 3) }")
        messages = [await ws.receive() for _ in range(4)]
    assert [m["type"] for m in messages] == ["next", "next", "next", "complete"]
    assert [m["payload"]["data"]["countdown"] for m in messages[:3]] == [3, 2, 1]


async def test_a_subgraph_that_goes_away_ends_the_subscription_with_an_error(router: Router) -> None:
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await ws.subscribe("d", "subscription { dropped }")
        assert (await ws.receive())["payload"] == {"data": {"dropped": 1}}
        message = await ws.receive()
        assert message["type"] == "error" and message["id"] == "d", message
        [error] = message["payload"]
        assert error["extensions"] == {"code": "WEBSOCKET_CLOSE_ERROR", "serviceName": "reviews"}
        assert "1011" in error["message"]
        await ws.send({"type": "ping"})
        assert (await ws.receive())["type"] == "pong"  # the connection itself is fine


async def test_an_unreachable_subgraph_is_an_error_not_a_hang(start_router: Callable[..., Router]) -> None:
    router = start_router(subgraph_urls={"REVIEWS": "ws://127.0.0.1:9/graphql"})
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await ws.subscribe("x", REVIEWS)
        message = await ws.receive()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "WEBSOCKET_INIT_ERROR"
    assert router.slots.open == 0


async def test_queries_and_mutations_work_over_the_websocket(router: Router) -> None:
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await ws.subscribe("q", "query { product(id: \"2\") { name priceBand } }")
        assert await ws.receive() == {"id": "q", "type": "next", "payload": {"data": {"product": {"name": "Desk", "priceBand": "premium"}}}}
        assert await ws.receive() == {"id": "q", "type": "complete"}
        await ws.subscribe("m", "mutation { addReview(productId: \"1\", body: \"x\") { body product { name } } }")
        assert (await ws.receive())["payload"] == {"data": {"addReview": {"body": "x", "product": {"name": "Lamp"}}}}
        assert (await ws.receive())["type"] == "complete"
        await ws.subscribe("bad", "query { nope }")
        message = await ws.receive()
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


# -- authentication and authorization ---------------------------------------------------------------


async def test_the_token_reaches_the_subgraph_in_connection_init_and_upgrade(router: Router) -> None:
    bearer = f"Bearer {token()}"
    async with graphql_ws(router.url) as ws:
        await ws.init({"Authorization": bearer})
        await ws.subscribe("c", "subscription { credentials }")
        seen = [(await ws.receive())["payload"]["data"]["credentials"] for _ in range(2)]
    assert seen == [bearer, bearer]
    async with graphql_ws(router.url, headers={"Authorization": bearer}) as ws:  # from the upgrade request
        await ws.init()
        await ws.subscribe("c", "subscription { credentials }")
        seen = [(await ws.receive())["payload"]["data"]["credentials"] for _ in range(2)]
    assert seen == [bearer, bearer]


@pytest.mark.parametrize(
    "payload, headers",
    [
        ({"Authorization": "Bearer not-a-jwt"}, {}),
        ({"Authorization": f"Bearer {token(key='another-secret-key-that-is-long-enough-0123456789')}"}, {}),
        ({"Authorization": f"Bearer {token(exp=1)}"}, {}),
        ({}, {"Authorization": "Bearer forged"}),
    ],
)
async def test_a_bad_token_is_refused_with_4403(router: Router, payload: dict, headers: dict) -> None:
    async with graphql_ws(router.url, headers=headers) as ws:
        await ws.send({"type": "connection_init", "payload": payload})
        code, reason = await ws.closed()
    assert code == 4403 and reason.startswith("Forbidden"), (code, reason)


async def test_authenticated_subscription_fields_are_enforced_before_subscribing(router: Router) -> None:
    async with graphql_ws(router.url) as ws:
        await ws.init()
        opened = BROKER.opened
        await ws.subscribe("p", "subscription { privateReviewAdded { body } }")
        message = await ws.receive()
        assert message["type"] == "error", message
        assert message["payload"] == [{"message": "Unauthorized field or type", "path": ["privateReviewAdded"],
                                       "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}]
        await ws.subscribe("s", "subscription { auditLog }")
        assert (await ws.receive())["type"] == "error"
        assert BROKER.opened == opened  # the subgraph never saw either subscription
    async with graphql_ws(router.url) as ws:
        await ws.init({"Authorization": f"Bearer {token(scope='reader')}"})
        await ws.subscribe("s", "subscription { auditLog }")
        assert (await ws.receive())["payload"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
        await subscribed(router, ws, "p", "subscription { privateReviewAdded { body } }")
        await add_review(router, "1", "members only")
        assert (await ws.receive())["payload"] == {"data": {"privateReviewAdded": {"body": "members only"}}}
    async with graphql_ws(router.url) as ws:
        await ws.init({"Authorization": f"Bearer {token(scope='admin')}"})
        await subscribed(router, ws, "s", "subscription { auditLog }")
        await add_review(router, "1", "audited")
        assert (await ws.receive())["payload"]["data"]["auditLog"].endswith("added")


async def test_unauthorized_fields_inside_events_are_null_with_an_error(router: Router) -> None:
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await subscribed(router, ws, "r", "subscription { reviewAdded { body reviewerEmail } }")
        await add_review(router, "1", "hello")
        payload = (await ws.receive())["payload"]
    assert payload == {
        "data": {"reviewAdded": {"body": "hello", "reviewerEmail": None}},
        "errors": [{"message": "Unauthorized field or type", "path": ["reviewAdded", "reviewerEmail"],
                    "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}],
    }


# -- protocol and limits ---------------------------------------------------------------------------


async def test_protocol_violations_close_with_the_protocols_codes(start_router: Callable[..., Router]) -> None:
    router = start_router(ws_init_timeout=0.3)
    async with graphql_ws(router.url) as ws:
        assert (await ws.closed())[0] == 4408  # no connection_init in time
    async with graphql_ws(router.url) as ws:
        await ws.subscribe("1", "subscription { countdown(start: 1) }")
        assert (await ws.closed())[0] == 4401  # subscribe before connection_ack
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await ws.send({"type": "connection_init"})
        assert (await ws.closed())[0] == 4429
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await ws.subscribe("same", REVIEWS)
        await ws.subscribe("same", REVIEWS)
        assert (await ws.closed())[0] == 4409
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await ws.connection.send("{not json")
        assert (await ws.closed())[0] == 4400
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": 42}})
        assert (await ws.closed())[0] == 4400
    async with graphql_ws(router.url, subprotocols=("graphql-ws",)) as ws:
        assert (await ws.closed())[0] == 4406


async def test_limits_on_connections_and_subscriptions(start_router: Callable[..., Router]) -> None:
    router = start_router(max_ws_connections=1, max_subscriptions_per_connection=1)
    async with graphql_ws(router.url) as ws:
        await ws.init()
        async with graphql_ws(router.url) as second:
            assert (await second.closed())[0] == 1013
        await subscribed(router, ws, "1", REVIEWS)
        await ws.subscribe("2", REVIEWS)
        message = await ws.receive()
        assert (message["id"], message["type"]) == ("2", "error")
        assert message["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
    router = start_router(max_subscriptions=1)
    async with graphql_ws(router.url) as ws, graphql_ws(router.url) as other:
        await ws.init()
        await other.init()
        await subscribed(router, ws, "1", REVIEWS)
        await other.subscribe("1", REVIEWS)
        message = await other.receive()
        assert message["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
        await ws.complete("1")
        await wait_for(lambda: router.slots.open == 0)
        await subscribed(router, other, "2", REVIEWS)  # the slot is free again


async def test_keepalive_pings_and_silent_clients_are_dropped(start_router: Callable[..., Router]) -> None:
    router = start_router(ws_ping_interval=0.2)
    async with graphql_ws(router.url) as ws:  # a client that answers stays connected
        await ws.init()
        pings = 0
        deadline = asyncio.get_running_loop().time() + 1.0
        while asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(TimeoutError):
                message = orjson.loads(await asyncio.wait_for(ws.connection.recv(), 0.3))
                assert message == {"type": "ping"}, message
                pings += 1
                await ws.send({"type": "pong"})
        assert pings >= 3
        await ws.subscribe("c", "subscription { countdown(start: 1) }")
        assert (await ws.receive())["type"] == "next"
    async with graphql_ws(router.url) as ws:  # one that never answers is dropped
        await ws.send({"type": "connection_init"})
        assert orjson.loads(await asyncio.wait_for(ws.connection.recv(), 2)) == {"type": "connection_ack"}
        assert orjson.loads(await asyncio.wait_for(ws.connection.recv(), 2)) == {"type": "ping"}
        assert (await ws.closed())[0] == 1001


async def test_cross_site_browser_websockets_are_refused(router: Router) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus):
        async with graphql_ws(router.url, headers={"Origin": "https://evil.example"}):
            pass
    host = router.url.split("/")[2]
    async with graphql_ws(router.url, headers={"Origin": f"http://{host}"}) as ws:
        assert (await ws.init())["type"] == "connection_ack"


async def test_a_supergraph_reload_ends_open_subscriptions(
    start_router: Callable[..., Router], subgraphs: Any, tmp_path: Any
) -> None:
    from router.config import AuthSettings, RouterConfig
    from tests.router_subscriptions.conftest import SECRET

    path = tmp_path / "supergraph.graphql"
    path.write_text(subgraphs.supergraph_sdl)
    config = RouterConfig(
        auth=AuthSettings(secret_key=SECRET), supergraph_path=str(path), hot_reload=True, request_timeout=0.2
    )
    router = start_router(config)
    async with graphql_ws(router.url) as ws:
        await ws.init()
        await subscribed(router, ws, "r", REVIEWS)
        path.write_text(subgraphs.supergraph_sdl + "\n# changed\n")
        message = await ws.receive(timeout=10)
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_SCHEMA_RELOAD"
        await subscribed(router, ws, "r", REVIEWS)  # the new graph serves the next one
        await add_review(router, "1", "after reload")
        assert (await ws.receive())["payload"]["data"]["reviewAdded"]["body"] == "after reload"


async def test_oversized_messages_and_required_authentication(start_router: Callable[..., Router]) -> None:
    from router.config import AuthSettings, Limits, RouterConfig
    from tests.router_subscriptions.conftest import SECRET

    router = start_router(
        RouterConfig(limits=Limits(max_body_bytes=1_000), auth=AuthSettings(secret_key=SECRET, require_authentication=True))
    )
    async with graphql_ws(router.url) as ws:
        await ws.send({"type": "connection_init"})
        assert await ws.closed() == (4403, "Forbidden: authentication required")
    async with graphql_ws(router.url) as ws:
        assert (await ws.init({"Authorization": f"Bearer {token()}"}))["type"] == "connection_ack"
        await ws.subscribe("big", "query { reviewCount }" + " " * 2_000)
        assert (await ws.closed())[0] == 1009
