"""One subgraph subscription shared by every client that asks for exactly the same one.

Clients that subscribe with the same subgraph URL, source operation, variables and
forwarded headers (so the same credentials: different users never share) would make
the subgraph produce the same events once per client. Here the first of them opens
the subgraph subscription (``subgraph_ws``) and the others join it: one upstream
pump copies each event into a bounded queue per client, and each client still runs
its own entity fetches and shaping on its own copy (``router.execution.subscriptions``),
so authorization and the client's selection stay per client.

Why a queue per client and not a broadcast that waits for everyone: a client that
reads slowly must not hold the others back. A client whose queue holds
``buffer_limit`` events it has not taken yet is dropped with
``SUBSCRIPTION_CLIENT_TOO_SLOW`` instead of letting its queue grow without bound.

Lifetime: the upstream closes as soon as its last client leaves; the upstream's
completion or failure reaches every client that shares it. An upstream is taken out
of the registry the moment it ends or loses its last client, so a client arriving
then opens a fresh one rather than joining a dying one. A client that joins an open
upstream receives the events from then on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from typing import Any

import orjson

from router.execution.subgraph_ws import SourceError

log = logging.getLogger("router.execution.subscriptions")

DEFAULT_BUFFER_LIMIT = 1_000  # events queued for one client before it is dropped
TOO_SLOW = "SUBSCRIPTION_CLIENT_TOO_SLOW"


class ClientTooSlow(SourceError):
    """This client fell too far behind a shared subscription; a router error, never masked."""


Source = Callable[[], AsyncIterator[dict[str, Any]]]
_COMPLETE, _FAILURE, _TOO_SLOW, _RAISE = "complete", "failure", "too slow", "raise"


def subscription_key(
    url: str, operation: str, variables: Mapping[str, Any], headers: Mapping[str, str]
) -> Hashable | None:
    """What makes two subgraph subscriptions the same; None when the variables cannot be compared."""
    try:
        encoded = orjson.dumps(dict(variables), option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    forwarded = tuple(sorted((name.lower(), value) for name, value in headers.items()))
    return (url, operation, encoded, forwarded)


class _Client:
    """One client's side of a shared upstream: its queue of events not yet taken."""

    __slots__ = ("items", "end", "wakeup")

    def __init__(self) -> None:
        self.items: deque[bytes | dict[str, Any]] = deque()
        self.end: tuple[str, Any] | None = None
        self.wakeup = asyncio.Event()

    def finish(self, kind: str, value: Any) -> None:
        if self.end is None:
            self.end = (kind, value)
        self.wakeup.set()


class _Upstream:
    """One subgraph subscription and the clients reading it."""

    def __init__(self, owner: SharedSubscriptions, key: Hashable, source: Source) -> None:
        self.owner = owner
        self.key = key
        self.clients: set[_Client] = set()
        self.stopping = False
        self.pump = asyncio.ensure_future(self._run(source()))

    async def _run(self, events: AsyncIterator[dict[str, Any]]) -> None:
        try:
            async for event in events:
                self._fan_out(event)
        except SourceError as failure:
            self._end(_FAILURE, failure.errors)
        except asyncio.CancelledError:
            raise  # the last client left
        except Exception as error:  # noqa: BLE001 - every sharing client must hear of it
            self._end(_RAISE, error)
        else:
            self._end(_COMPLETE, None)
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    def _fan_out(self, event: dict[str, Any]) -> None:
        # Each client changes its event while completing it: more than one get their own
        # copy, decoded when taken from one shared encoding.
        item: bytes | dict[str, Any] = event if len(self.clients) == 1 else orjson.dumps(event)
        limit = self.owner.buffer_limit
        for client in list(self.clients):
            if len(client.items) >= limit:
                self.clients.discard(client)
                client.items.clear()
                client.finish(_TOO_SLOW, limit)
                log.warning("dropped a subscription client that fell %d events behind", limit)
                continue
            client.items.append(item)
            client.wakeup.set()
        if not self.clients:
            self._stop()

    def _end(self, kind: str, value: Any) -> None:
        self.owner._forget(self)
        for client in self.clients:
            client.finish(kind, value)
        self.clients.clear()

    async def leave(self, client: _Client) -> None:
        """``client`` is done; the last one to leave closes the subgraph subscription (and waits for that)."""
        self.clients.discard(client)
        if self.clients or self.pump.done():
            return
        self._stop()
        await asyncio.wait({self.pump})

    def _stop(self) -> None:
        """Close the subgraph subscription: once, so its goodbye to the subgraph is not cut short."""
        self.owner._forget(self)
        if not self.stopping:
            self.stopping = True
            self.pump.cancel()


class SharedSubscriptions:
    """The open upstreams of one subscription executor, by :func:`subscription_key`."""

    def __init__(self, buffer_limit: int = DEFAULT_BUFFER_LIMIT) -> None:
        if buffer_limit < 1:
            raise ValueError("buffer_limit must be at least 1")
        self.buffer_limit = buffer_limit
        self._upstreams: dict[Hashable, _Upstream] = {}

    @property
    def upstreams(self) -> int:
        """Subgraph subscriptions open now."""
        return len(self._upstreams)

    @property
    def clients(self) -> int:
        """Client subscriptions reading them."""
        return sum(len(upstream.clients) for upstream in self._upstreams.values())

    async def events(self, key: Hashable | None, source: Source) -> AsyncIterator[dict[str, Any]]:
        """Like ``source()`` (each event, return on completion, :class:`SourceError` on failure),
        but shared with every other reader of the same ``key``; None never shares."""
        if key is None:
            events = source()
            try:
                async for event in events:
                    yield event
            finally:
                await events.aclose()  # type: ignore[attr-defined]
            return
        upstream = self._upstreams.get(key)
        if upstream is None:
            upstream = self._upstreams[key] = _Upstream(self, key, source)
        client = _Client()
        upstream.clients.add(client)
        try:
            while True:
                if client.items:
                    item = client.items.popleft()
                    yield orjson.loads(item) if isinstance(item, bytes) else item
                    continue
                if client.end is not None:
                    kind, value = client.end
                    if kind == _COMPLETE:
                        return
                    if kind == _TOO_SLOW:
                        raise ClientTooSlow([_too_slow(value)])
                    if kind == _FAILURE:
                        raise SourceError([dict(error) for error in value])
                    raise value
                client.wakeup.clear()
                await client.wakeup.wait()
        finally:
            await upstream.leave(client)

    def _forget(self, upstream: _Upstream) -> None:
        if self._upstreams.get(upstream.key) is upstream:
            del self._upstreams[upstream.key]


def _too_slow(limit: int) -> dict[str, Any]:
    return {
        "message": f"The subscription was closed because this client fell {limit} events behind "
        "the subgraph; read events faster or subscribe again.",
        "extensions": {"code": TOO_SLOW},
    }


__all__ = ["DEFAULT_BUFFER_LIMIT", "TOO_SLOW", "ClientTooSlow", "SharedSubscriptions", "subscription_key"]
