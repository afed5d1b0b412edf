"""Identical subgraph subscriptions share one subgraph WebSocket, across every client transport.

The reviews subgraph counts the subscriptions it opens (``BROKER.opened``) and holds
(``BROKER.active``), so each test asserts what the subgraph itself saw.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from router.config import AuthSettings, RouterConfig
from tests.router_subscriptions.conftest import SECRET, Router, broker_idle, token, wait_for
from tests.router_subscriptions.subgraphs import BROKER
from tests.router_subscriptions.test_http_streams import MULTIPART, SSE, multipart_parts, sse_events
from tests.router_subscriptions.test_websocket import REVIEWS, add_review
from tests.support.graphql_ws import GraphQLWebSocket, graphql_ws

BODIES = "subscription { reviewBodies }"


@pytest.fixture(autouse=True)
async def idle_subgraph() -> None:
    await wait_for(broker_idle)


def shared(router: Router) -> Any:
    """The router's registry of shared subgraph subscriptions (None before the first subscription)."""
    engine = router.app.state.subscriptions.endpoint.gateway.engine
    executor = engine._subscriptions
    return None if executor is None else executor.shared


def clients_reading(router: Router) -> int:
    registry = shared(router)
    return 0 if registry is None else int(registry.clients)


async def joined(router: Router, count: int) -> None:
    """Wait until ``count`` client subscriptions read shared upstreams (so none misses the next event)."""
    await wait_for(lambda: clients_reading(router) == count)


async def ws_client(router: Router, stack: contextlib.AsyncExitStack, bearer: str | None) -> GraphQLWebSocket:
    ws = await stack.enter_async_context(graphql_ws(router.url))
    assert (await ws.init({"Authorization": bearer} if bearer else None))["type"] == "connection_ack"
    return ws


async def subscribed_sockets(router: Router, stack: contextlib.AsyncExitStack) -> list[GraphQLWebSocket]:
    """Two anonymous WebSocket clients, each subscribed to ``BODIES`` as operation ``s``."""
    sockets = [await ws_client(router, stack, None) for _ in range(2)]
    for ws in sockets:
        await ws.subscribe("s", BODIES)
    return sockets


async def end_streams(router: Router, how: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(router.url, json={"query": "mutation($h: String!) { endStreams(how: $h) }",
                                                       "variables": {"h": how}})
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def next_payload(ws: GraphQLWebSocket, operation_id: str) -> Any:
    message = await ws.receive()
    assert (message["id"], message["type"]) == (operation_id, "next"), message
    return message["payload"]


async def sse_stream(
    stack: contextlib.AsyncExitStack, router: Router, query: str, bearer: str | None, variables: Any = None
) -> AsyncIterator[Any]:
    """The responses of an SSE subscription (keep-alives skipped), then ("complete", None)."""
    client = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
    headers = {**SSE, **({"authorization": bearer} if bearer else {})}
    response = await stack.enter_async_context(
        client.stream("POST", router.url, json={"query": query, "variables": variables or {}}, headers=headers)
    )
    assert response.status_code == 200

    async def responses() -> AsyncIterator[Any]:
        async for kind, data in sse_events(response):
            if kind == "next":
                yield data
            elif kind == "complete":
                yield ("complete", None)

    return responses()


async def multipart_stream(
    stack: contextlib.AsyncExitStack, router: Router, query: str, bearer: str | None, variables: Any = None
) -> AsyncIterator[Any]:
    """The parts of an Apollo multipart subscription, heartbeats skipped."""
    client = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
    headers = {**MULTIPART, **({"authorization": bearer} if bearer else {})}
    response = await stack.enter_async_context(client.stream("POST", router.url, json={"query": query, "variables": variables or {}}, headers=headers)
    )
    assert response.status_code == 200

    async def parts() -> AsyncIterator[Any]:
        async for part in multipart_parts(response):
            if part != {}:
                yield part

    return parts()


LAMP = {"body": "bright", "product": {"id": "1", "name": "Lamp", "priceBand": "cheap"}}


async def test_same_subscription_and_token_share_one_subgraph_subscription_across_transports(router: Router) -> None:
    bearer = f"Bearer {token('7')}"
    opened = BROKER.opened
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await ws_client(router, stack, bearer) for _ in range(3)]
        for ws in sockets:
            await ws.subscribe("r", REVIEWS, {"p": "1"})
        sse = await sse_stream(stack, router, REVIEWS, bearer, {"p": "1"})
        multipart = await multipart_stream(stack, router, REVIEWS, bearer, {"p": "1"})
        await joined(router, 5)
        await wait_for(lambda: BROKER.opened - opened >= 1)  # the subgraph sees it a moment later
        assert BROKER.opened - opened == 1 and BROKER.active == 1, "one subgraph subscription for all five clients"
        await add_review(router, "2", "not for lamps")
        await add_review(router, "1", "bright")
        for ws in sockets:
            assert await next_payload(ws, "r") == {"data": {"reviewAdded": LAMP}}
        assert await anext(sse) == {"data": {"reviewAdded": LAMP}}
        assert await anext(multipart) == {"payload": {"data": {"reviewAdded": LAMP}}}
        assert shared(router).upstreams == 1
    await wait_for(broker_idle)  # every client left: the subgraph saw the shared subscription close
    await wait_for(lambda: router.slots.open == 0)
    assert shared(router).upstreams == 0


async def test_each_client_completes_a_shared_event_with_its_own_selection(router: Router) -> None:
    """Only the source is shared: entity fetches and shaping stay per client."""
    opened = BROKER.opened
    async with contextlib.AsyncExitStack() as stack:
        names, bands = await ws_client(router, stack, None), await ws_client(router, stack, None)
        await names.subscribe("n", "subscription { reviewAdded { body product { id name } } }")
        await bands.subscribe("b", "subscription { reviewAdded { body product { id priceBand } } }")
        await joined(router, 2)
        await wait_for(lambda: BROKER.opened - opened >= 1)  # the subgraph sees it a moment later
        assert BROKER.opened - opened == 1  # the same operation goes to reviews for both
        await add_review(router, "2", "sturdy")
        assert await next_payload(names, "n") == {"data": {"reviewAdded": {"body": "sturdy", "product": {"id": "2", "name": "Desk"}}}}
        assert await next_payload(bands, "b") == {"data": {"reviewAdded": {"body": "sturdy", "product": {"id": "2", "priceBand": "premium"}}}}


async def test_different_tokens_or_variables_get_their_own_subgraph_subscriptions(router: Router) -> None:
    ann, bob = f"Bearer {token('ann')}", f"Bearer {token('bob')}"
    opened = BROKER.opened
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await ws_client(router, stack, bearer) for name, bearer in
                   (("ann-lamps", ann), ("bob-lamps", bob), ("ann-desks", ann))}
        await clients["ann-lamps"].subscribe("r", REVIEWS, {"p": "1"})
        await clients["bob-lamps"].subscribe("r", REVIEWS, {"p": "1"})
        await clients["ann-desks"].subscribe("r", REVIEWS, {"p": "2"})
        await joined(router, 3)
        await wait_for(lambda: BROKER.active == 3)
        assert BROKER.opened - opened == 3 and shared(router).upstreams == 3
        await add_review(router, "1", "bright")
        await add_review(router, "2", "sturdy")
        assert await next_payload(clients["ann-lamps"], "r") == {"data": {"reviewAdded": LAMP}}
        assert await next_payload(clients["bob-lamps"], "r") == {"data": {"reviewAdded": LAMP}}
        desk = await next_payload(clients["ann-desks"], "r")
        assert desk["data"]["reviewAdded"]["body"] == "sturdy"
        for client in clients.values():
            with pytest.raises(TimeoutError):
                await client.receive(timeout=0.3)  # nobody got anybody else's event, nor one twice
    async with contextlib.AsyncExitStack() as stack:  # each subgraph connection carries its own caller's token
        mine, theirs = await ws_client(router, stack, ann), await ws_client(router, stack, bob)
        await mine.subscribe("c", "subscription { credentials }")
        await theirs.subscribe("c", "subscription { credentials }")
        assert [(await next_payload(mine, "c"))["data"]["credentials"] for _ in range(2)] == [ann, ann]
        assert [(await next_payload(theirs, "c"))["data"]["credentials"] for _ in range(2)] == [bob, bob]


async def test_one_client_leaving_keeps_the_others_stream_and_the_last_closes_it(router: Router) -> None:
    opened = BROKER.opened
    async with contextlib.AsyncExitStack() as stack:
        first, second = await ws_client(router, stack, None), await ws_client(router, stack, None)
        await first.subscribe("a", BODIES)
        await second.subscribe("b", BODIES)
        await joined(router, 2)
        await first.complete("a")
        await joined(router, 1)
        assert BROKER.active == 1 and shared(router).upstreams == 1  # still open for the other client
        await add_review(router, "1", "still flowing")
        assert await next_payload(second, "b") == {"data": {"reviewBodies": "still flowing"}}
        with pytest.raises(TimeoutError):
            await first.receive(timeout=0.3)
        async with httpx.AsyncClient(timeout=10) as client:  # an SSE client joins, then drops its connection
            async with client.stream("POST", router.url, json={"query": BODIES}, headers=SSE):
                await joined(router, 2)
            await joined(router, 1)
        assert BROKER.active == 1
        await second.complete("b")
        await wait_for(broker_idle)  # the last one left: the subgraph saw the close
        assert shared(router).upstreams == 0
    assert BROKER.opened - opened == 1


async def test_a_late_client_receives_events_from_then_on(router: Router) -> None:
    async with contextlib.AsyncExitStack() as stack:
        early, late = await ws_client(router, stack, None), await ws_client(router, stack, None)
        await early.subscribe("e", BODIES)
        await joined(router, 1)
        await wait_for(lambda: BROKER.active == 1)
        await add_review(router, "1", "first")
        assert await next_payload(early, "e") == {"data": {"reviewBodies": "first"}}
        await late.subscribe("l", BODIES)
        await joined(router, 2)
        await add_review(router, "1", "second")
        assert await next_payload(early, "e") == {"data": {"reviewBodies": "second"}}
        assert await next_payload(late, "l") == {"data": {"reviewBodies": "second"}}
        assert BROKER.active == 1


async def test_the_subgraph_completing_reaches_every_sharing_client(router: Router) -> None:
    async with contextlib.AsyncExitStack() as stack:
        sockets = await subscribed_sockets(router, stack)
        sse = await sse_stream(stack, router, BODIES, None)
        await joined(router, 3)
        await wait_for(lambda: BROKER.active == 1)
        await add_review(router, "1", "last words")
        await end_streams(router, "complete")
        for ws in sockets:
            assert await next_payload(ws, "s") == {"data": {"reviewBodies": "last words"}}
            assert await ws.receive() == {"id": "s", "type": "complete"}
        assert [item async for item in sse] == [{"data": {"reviewBodies": "last words"}}, ("complete", None)]
        assert shared(router).upstreams == 0 and clients_reading(router) == 0


async def test_the_subgraph_failing_reaches_every_sharing_client(router: Router) -> None:
    async with contextlib.AsyncExitStack() as stack:
        sockets = await subscribed_sockets(router, stack)
        multipart = await multipart_stream(stack, router, BODIES, None)
        await joined(router, 3)
        await wait_for(lambda: BROKER.active == 1)
        await end_streams(router, "break")
        for ws in sockets:
            message = await ws.receive()
            assert (message["id"], message["type"]) == ("s", "error"), message
            [error] = message["payload"]
            assert error["extensions"] == {"code": "WEBSOCKET_CLOSE_ERROR", "serviceName": "reviews"}
            assert "1011" in error["message"]
        [part] = [part async for part in multipart]
        assert part["payload"] is None and part["errors"][0]["extensions"]["code"] == "WEBSOCKET_CLOSE_ERROR"
        assert shared(router).upstreams == 0
        await sockets[0].subscribe("again", BODIES)  # a new subscription opens a fresh subgraph one
        await wait_for(lambda: BROKER.active == 1)
        await add_review(router, "1", "back")
        assert await next_payload(sockets[0], "again") == {"data": {"reviewBodies": "back"}}


async def test_switched_off_each_client_has_its_own_subgraph_subscription(start_router: Callable[..., Router]) -> None:
    router = start_router(replace(RouterConfig(auth=AuthSettings(secret_key=SECRET)), dedupe_subscriptions=False))
    opened = BROKER.opened
    async with contextlib.AsyncExitStack() as stack:
        sockets = await subscribed_sockets(router, stack)
        sse = await sse_stream(stack, router, BODIES, None)
        await wait_for(lambda: BROKER.active == 3)
        assert BROKER.opened - opened == 3 and shared(router) is None
        await add_review(router, "1", "three times")
        for ws in sockets:
            assert await next_payload(ws, "s") == {"data": {"reviewBodies": "three times"}}
        assert await anext(sse) == {"data": {"reviewBodies": "three times"}}
    await wait_for(broker_idle)


def test_the_setting_and_the_flag() -> None:
    import argparse

    from router.config import load_config
    from router.server.cli import add_arguments, build_config

    assert load_config({}).dedupe_subscriptions is True
    assert load_config({"ROUTER_DEDUPE_SUBSCRIPTIONS": "false"}).dedupe_subscriptions is False
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert build_config(parser.parse_args(["--no-dedupe-subscriptions"])).dedupe_subscriptions is False
    assert build_config(parser.parse_args(["--dedupe-subscriptions"])).dedupe_subscriptions is True
