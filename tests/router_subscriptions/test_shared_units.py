"""Units of the shared subgraph subscriptions: keys, per-client copies, and the per-client buffer limit.

The source here is an in-memory generator (a unit: the real WebSocket path is covered by
test_shared_upstreams), so a client that never reads can be made to fall behind exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from router.execution.shared_subscriptions import TOO_SLOW, ClientTooSlow, SharedSubscriptions, subscription_key
from router.execution.subgraph_ws import SourceError


class FakeSource:
    """A subgraph subscription fed by the test; counts opens and closes."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.opened = 0
        self.closed = 0

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        self.opened += 1
        try:
            while True:
                item = await self.queue.get()
                if item == "complete":
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            self.closed += 1


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_keys_tell_callers_apart() -> None:
    base = subscription_key("ws://a/graphql", "subscription { x }", {"a": 1, "b": [1, 2]}, {"authorization": "Bearer 1"})
    assert base == subscription_key("ws://a/graphql", "subscription { x }", {"b": [1, 2], "a": 1}, {"Authorization": "Bearer 1"})
    assert base != subscription_key("ws://a/graphql", "subscription { x }", {"a": 1, "b": [1, 2]}, {"authorization": "Bearer 2"})
    assert base != subscription_key("ws://a/graphql", "subscription { x }", {"a": 2, "b": [1, 2]}, {"authorization": "Bearer 1"})
    assert base != subscription_key("ws://a/graphql", "subscription { x }", {"a": 1, "b": [1, 2]}, {})
    assert base != subscription_key("ws://b/graphql", "subscription { x }", {"a": 1, "b": [1, 2]}, {"authorization": "Bearer 1"})
    assert base != subscription_key("ws://a/graphql", "subscription { y }", {"a": 1, "b": [1, 2]}, {"authorization": "Bearer 1"})
    assert subscription_key("ws://a", "s", {"a": object()}, {}) is None  # not comparable: never shared


async def test_each_client_gets_its_own_copy_of_a_shared_event() -> None:
    source, shared = FakeSource(), SharedSubscriptions()
    first, second = shared.events("k", source.events), shared.events("k", source.events)
    reads = [asyncio.ensure_future(anext(first)), asyncio.ensure_future(anext(second))]
    await settle()
    source.queue.put_nowait({"data": {"n": 1}})
    one, two = await asyncio.gather(*reads)
    assert one == two == {"data": {"n": 1}} and one is not two
    one["data"]["n"] = 99  # completing an event changes it; the other client's copy is untouched
    assert two == {"data": {"n": 1}}
    assert source.opened == 1
    await first.aclose()
    await second.aclose()
    assert source.closed == 1 and shared.upstreams == 0


async def test_a_client_that_falls_behind_is_dropped_and_the_others_keep_going() -> None:
    source, shared = FakeSource(), SharedSubscriptions(buffer_limit=3)
    fast, slow = shared.events("k", source.events), shared.events("k", source.events)
    fast_read, slow_read = asyncio.ensure_future(anext(fast)), asyncio.ensure_future(anext(slow))
    await settle()
    source.queue.put_nowait({"n": 0})
    assert await fast_read == {"n": 0} and await slow_read == {"n": 0}
    for n in range(1, 6):  # the slow client reads nothing more; the fast one reads every event
        source.queue.put_nowait({"n": n})
        assert await anext(fast) == {"n": n}
    with pytest.raises(SourceError) as raised:
        await anext(slow)
    [error] = raised.value.errors
    assert isinstance(raised.value, ClientTooSlow)  # a router error: never masked like a subgraph one
    assert error["extensions"]["code"] == TOO_SLOW and "3 events" in error["message"]
    assert shared.upstreams == 1 and shared.clients == 1 and source.closed == 0  # the upstream stays for the fast one
    source.queue.put_nowait({"n": 6})
    assert await anext(fast) == {"n": 6}
    await fast.aclose()
    assert source.closed == 1 and shared.upstreams == 0


async def test_completion_and_failure_reach_every_client_and_free_the_key() -> None:
    source, shared = FakeSource(), SharedSubscriptions()
    clients = [shared.events("k", source.events) for _ in range(3)]
    reads = [asyncio.ensure_future(anext(client)) for client in clients]
    await settle()
    source.queue.put_nowait("complete")
    for read in reads:
        with pytest.raises(StopAsyncIteration):
            await read
    assert shared.upstreams == 0 and source.opened == 1
    failing = FakeSource()
    clients = [shared.events("k", failing.events) for _ in range(2)]
    reads = [asyncio.ensure_future(anext(client)) for client in clients]
    await settle()
    failing.queue.put_nowait(SourceError([{"message": "gone", "extensions": {"code": "WEBSOCKET_CLOSE_ERROR"}}]))
    for read in reads:
        with pytest.raises(SourceError) as raised:
            await read
        assert raised.value.errors == [{"message": "gone", "extensions": {"code": "WEBSOCKET_CLOSE_ERROR"}}]
    assert failing.opened == 1 and failing.closed == 1 and shared.upstreams == 0


async def test_a_cancelled_read_leaves_and_the_last_one_closes_the_source() -> None:
    source, shared = FakeSource(), SharedSubscriptions()
    first, second = shared.events("k", source.events), shared.events("k", source.events)
    reads = [asyncio.ensure_future(anext(first)), asyncio.ensure_future(anext(second))]
    await settle()
    reads[0].cancel()  # how the router stops a subscription whose client went away
    with contextlib.suppress(asyncio.CancelledError):
        await reads[0]
    assert shared.clients == 1 and source.closed == 0
    source.queue.put_nowait({"n": 1})
    assert await reads[1] == {"n": 1}
    await second.aclose()
    assert source.closed == 1 and shared.upstreams == 0
    third = shared.events("k", source.events)  # a new caller opens a new source
    read = asyncio.ensure_future(anext(third))
    await settle()
    assert source.opened == 2
    read.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await read
    assert source.closed == 2
