"""Inbound de-duplication: identical concurrent client requests share one execution.

Dashboards, retries and fan-out pages send the same query with the same credentials
many times at once; executing it once and sending every caller the same bytes turns
N plans, N merges and N serialisations into one.

Two requests are identical only when everything that can change the answer is equal:
method, the negotiated media type, the raw body (or GET query string) and every request
header except the few that describe the connection. Credentials are headers, so callers
with different tokens never share. Only the executed answer of a *query* is shared
(``GatewayResult.shareable``); a mutation's callers each run their own, because a
mutation has effects. A key found to be unshareable is remembered (bounded), so later
identical mutations do not wait for each other.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, Hashable, TypeVar

Response = TypeVar("Response")

# Headers that describe the connection or the body's framing, not the request's meaning.
TRANSPORT_HEADERS = frozenset({"content-length", "connection", "keep-alive", "te", "transfer-encoding"})
UNSHAREABLE_MEMORY = 1024


def header_key(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Every meaningful header, order-independent."""
    return tuple(sorted((name, value) for name, value in headers.items() if name not in TRANSPORT_HEADERS))


class InflightRequests(Generic[Response]):
    """Runs ``produce`` once per key among callers that overlap in time."""

    def __init__(self) -> None:
        self._calls: dict[Hashable, asyncio.Future[Response | None]] = {}
        self._unshareable: OrderedDict[Hashable, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._calls)

    async def run(self, key: Hashable, produce: Callable[[], Awaitable[tuple[Response, bool]]]) -> Response:
        if key in self._unshareable:
            response, _ = await produce()
            return response
        call = self._calls.get(key)
        if call is not None:
            # shielded: a follower that goes away must not cancel the shared future
            shared = await asyncio.shield(call)
            if shared is not None:
                return shared
            response, _ = await produce()  # the leader's answer was not for sharing
            return response
        call = asyncio.get_running_loop().create_future()
        self._calls[key] = call
        shared: Response | None = None  # stays None on failure or cancellation: followers run their own
        try:
            response, shareable = await produce()
            if shareable:
                shared = response
            else:
                self._remember_unshareable(key)
        finally:
            if self._calls.get(key) is call:
                del self._calls[key]
            if not call.done():
                call.set_result(shared)
        return response

    def _remember_unshareable(self, key: Hashable) -> None:
        self._unshareable[key] = None
        if len(self._unshareable) > UNSHAREABLE_MEMORY:
            self._unshareable.popitem(last=False)


__all__ = ["InflightRequests", "header_key", "TRANSPORT_HEADERS"]
