"""Subscriptions over HTTP: GraphQL over SSE (distinct connections) and Apollo's multipart protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest

from tests.router_subscriptions.conftest import Router, broker_idle, token, wait_for
from tests.router_subscriptions.subgraphs import BROKER
from tests.router_subscriptions.test_websocket import REVIEWS, add_review

SSE = {"accept": "text/event-stream"}
MULTIPART = {"accept": 'multipart/mixed;subscriptionSpec="1.0", application/json'}


@pytest.fixture(autouse=True)
async def idle_subgraph() -> None:
    await wait_for(broker_idle)


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """(event, data) pairs of a text/event-stream body; comments (keep-alives) as ("", None)."""
    event, data = None, []
    async for line in response.aiter_lines():
        if line.startswith(":"):
            yield "", None
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and event is not None:
            yield event, orjson.loads("".join(data)) if data else None
            event, data = None, []


async def multipart_parts(response: httpx.Response) -> AsyncIterator[Any]:
    """JSON bodies of the parts, as each boundary arrives."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while True:
            head, separator, rest = buffer.partition(b"\r\n--graphql")
            if not separator:
                break
            buffer = rest
            if b"\r\n\r\n" in head:
                yield orjson.loads(head.split(b"\r\n\r\n", 1)[1])
        if buffer.startswith(b"--"):
            return


async def test_sse_streams_federated_events_and_ends_with_the_client(router: Router) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("POST", router.url, json={"query": REVIEWS, "variables": {"p": "2"}}, headers=SSE) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = sse_events(response)
            await wait_for(lambda: BROKER.active == 1)
            await add_review(router, "1", "not this one")
            await add_review(router, "2", "solid")
            assert await anext(events) == (
                "next", {"data": {"reviewAdded": {"body": "solid", "product": {"id": "2", "name": "Desk", "priceBand": "premium"}}}}
            )
    await wait_for(broker_idle)  # closing the response closed the subgraph subscription
    assert router.slots.open == 0


async def test_sse_over_get_completes_a_finite_subscription(router: Router) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("GET", router.url, params={"query": "subscription { countdown(start: 2) }"}, headers=SSE) as response:
            assert response.status_code == 200
            received = [item async for item in sse_events(response)]
    assert received == [("next", {"data": {"countdown": 2}}), ("next", {"data": {"countdown": 1}}), ("complete", None)]


async def test_sse_reports_errors_in_the_stream(router: Router) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("POST", router.url, json={"query": "subscription { nope }"}, headers=SSE) as response:
            assert response.status_code == 200  # graphql-sse: validation errors travel as `next`
            [(kind, body), end] = [item async for item in sse_events(response)]
        assert kind == "next" and body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert end == ("complete", None)
        async with client.stream("POST", router.url, json={"query": "subscription { privateReviewAdded { body } }"}, headers=SSE) as response:
            [(kind, body), end] = [item async for item in sse_events(response)]
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
        async with client.stream("POST", router.url, json={"query": "subscription { dropped }"}, headers=SSE) as response:
            received = [item async for item in sse_events(response)]
        assert received[0] == ("next", {"data": {"dropped": 1}})
        assert received[1][1]["errors"][0]["extensions"]["code"] == "WEBSOCKET_CLOSE_ERROR"
        assert received[2] == ("complete", None)
        response = await client.post(router.url, json={"query": REVIEWS}, headers={**SSE, "authorization": "Bearer bad"})
        assert response.status_code == 401 and response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sse_answers_queries_too_and_keeps_the_stream_alive(start_router: Callable[..., Router]) -> None:
    router = start_router(http_heartbeat=0.1)
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("POST", router.url, json={"query": "{ product(id: \"1\") { name } }"}, headers=SSE) as response:
            assert [item async for item in sse_events(response)] == [
                ("next", {"data": {"product": {"name": "Lamp"}}}), ("complete", None)
            ]
        async with client.stream(
            "POST", router.url, json={"query": "subscription { privateReviewAdded { body } }"},
            headers={**SSE, "authorization": f"Bearer {token()}"},
        ) as response:
            events = sse_events(response)
            assert await anext(events) == ("", None)  # a keep-alive comment before any event
            await add_review(router, "1", "for members")
            item = await anext(events)
            while item == ("", None):
                item = await anext(events)
            assert item == ("next", {"data": {"privateReviewAdded": {"body": "for members"}}})


async def test_multipart_subscription_protocol(start_router: Callable[..., Router]) -> None:
    router = start_router(http_heartbeat=0.1)
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("POST", router.url, json={"query": REVIEWS}, headers=MULTIPART) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"'
            parts = multipart_parts(response)
            assert await anext(parts) == {}  # heartbeat
            await add_review(router, "1", "glowing")
            part = await anext(parts)
            while part == {}:
                part = await anext(parts)
            assert part == {"payload": {"data": {"reviewAdded": {"body": "glowing", "product": {"id": "1", "name": "Lamp", "priceBand": "cheap"}}}}}
        await wait_for(broker_idle)
        async with client.stream("POST", router.url, json={"query": "subscription { dropped }"}, headers=MULTIPART) as response:
            raw = b"".join([chunk async for chunk in response.aiter_bytes()])
        assert raw.endswith(b"\r\n--graphql--\r\n")
        parts = [orjson.loads(p.split(b"\r\n\r\n", 1)[1]) for p in raw.split(b"\r\n--graphql")[1:-1]]
        parts = [p for p in parts if p != {}]
        assert parts[0] == {"payload": {"data": {"dropped": 1}}}
        assert parts[1]["payload"] is None and parts[1]["errors"][0]["extensions"]["code"] == "WEBSOCKET_CLOSE_ERROR"
        async with client.stream("POST", router.url, json={"query": "subscription { countdown(start: 1) }"}, headers=MULTIPART) as response:
            raw = b"".join([chunk async for chunk in response.aiter_bytes()])
        assert raw.startswith(b"\r\n--graphql\r\ncontent-type: application/json\r\n\r\n") and raw.endswith(b"--graphql--\r\n")
        # queries are plain JSON; errors before the stream are a JSON response
        response = await client.post(router.url, json={"query": "{ product(id: \"2\") { name } }"}, headers=MULTIPART)
        assert response.headers["content-type"].startswith("application/json")
        assert response.json() == {"data": {"product": {"name": "Desk"}}}
        response = await client.post(router.url, json={"query": "subscription { auditLog }"}, headers=MULTIPART)
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"


async def test_plain_json_subscriptions_point_to_the_streaming_transports(router: Router) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(router.url, json={"query": REVIEWS}, headers={"accept": "application/json"})
    assert response.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NOT_SUPPORTED"
    assert BROKER.active == 0


async def test_the_process_wide_limit_covers_every_transport(start_router: Callable[..., Router]) -> None:
    router = start_router(max_subscriptions=1)
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("POST", router.url, json={"query": REVIEWS}, headers=SSE):
            await wait_for(lambda: BROKER.active == 1)
            async with client.stream("POST", router.url, json={"query": REVIEWS}, headers=SSE) as second:
                [(kind, body), _end] = [item async for item in sse_events(second)]
            assert body["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
            response = await client.post(router.url, json={"query": REVIEWS}, headers=MULTIPART)
            assert response.status_code == 503
