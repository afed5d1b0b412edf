"""Subscriptions: events from one subgraph, each completed by the rest of the query plan.

The subscription's source fetch goes to its subgraph once, over a WebSocket
(``subgraph_ws``). Every event that comes back is taken as that fetch's answer and the
ordinary executor runs the remaining fetches of the same plan with it as the root data
(entity jumps for fields of other subgraphs, ``@requires``...), then shapes it like
any response: one code path for queries and events, no parallel implementation.
Events are completed one at a time, so clients see them in the subgraph's order.

With ``dedupe`` on, identical subgraph subscriptions (same URL, operation, variables
and forwarded headers) are opened once and shared (``shared_subscriptions``); only the
source is shared, every client still completes each event through its own plan.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from router.execution.executor import REDACTED, Executor, _Run
from router.execution.merge import deep_merge
from router.execution.shaping import Shaper
from router.execution.shared_subscriptions import (
    DEFAULT_BUFFER_LIMIT,
    ClientTooSlow,
    SharedSubscriptions,
    subscription_key,
)
from router.execution.subgraph_ws import SourceError, subgraph_events
from router.planning.aliases import apply_renames
from router.planning.plan import FetchNode
from router.planning.shape import ShapeNode
from router.planning.subscriptions import SubscriptionPlan

__all__ = ["SourceError", "SubscriptionExecutor"]

SCHEMA_RELOAD = "SUBSCRIPTION_SCHEMA_RELOAD"


class _EventRun(_Run):
    """One event: the source fetch is answered by the event instead of a subgraph call."""

    def __init__(
        self,
        executor: Executor,
        subscription: SubscriptionPlan,
        event: dict[str, Any],
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None,
    ) -> None:
        super().__init__(executor, subscription.plan, variables, headers)
        self.source = subscription.source
        self.event = event

    async def root_fetch(self, fetch: FetchNode) -> None:
        if fetch is not self.source:
            await super().root_fetch(fetch)
            return
        data = self.event.get("data")
        if fetch.renames is not None and isinstance(data, dict):
            apply_renames(data, fetch.renames)
        if isinstance(data, dict) and self.data is not None:
            if self.data:
                deep_merge(self.data, data, self.executor._abstract)
            else:
                self.data = data
        for error in self.event.get("errors") or ():
            self.errors.append(self.subgraph_error(fetch, error, error.get("path") if isinstance(error, dict) else None))


class SubscriptionExecutor:
    """Runs subscription plans; ``aclose`` ends every open subscription (e.g. on schema reload)."""

    def __init__(
        self,
        executor: Executor,
        *,
        urls: Mapping[str, str],
        timeouts: Mapping[str, float] | None = None,
        default_timeout: float = 30.0,
        max_message_bytes: int = 2**24,
        dedupe: bool = True,
        client_buffer: int = DEFAULT_BUFFER_LIMIT,
    ) -> None:
        self.executor = executor
        self.urls = dict(urls)
        self.timeouts = dict(timeouts or {})
        self.default_timeout = default_timeout
        self.max_message_bytes = max_message_bytes
        self._closing = asyncio.Event()
        self.shared = SharedSubscriptions(client_buffer) if dedupe else None

    async def subscribe(
        self,
        subscription: SubscriptionPlan,
        variables: Mapping[str, Any],
        *,
        headers: Mapping[str, str],
        shape_operation: ShapeNode | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield one complete GraphQL response per event.

        Raises :class:`SourceError` when the subgraph refuses the subscription or its
        connection breaks; returns when the subgraph completes it. Closing the iterator
        closes the subgraph subscription.
        """
        source = subscription.source
        subgraph = source.subgraph
        if self._closing.is_set():
            raise SourceError([_reload_error()])
        url = self.urls[subgraph]
        source_variables = {name: variables[name] for name in source.variable_names if name in variables}

        def open_source() -> AsyncIterator[dict[str, Any]]:
            return subgraph_events(
                subgraph,
                url,
                source.operation,
                source_variables,
                headers=headers,
                timeout=self.timeouts.get(subgraph, self.default_timeout),
                max_message_bytes=self.max_message_bytes,
            )

        if self.shared is None:
            events = open_source()
        else:
            key = subscription_key(url, source.operation, source_variables, headers)
            events = self.shared.events(key, open_source)
        closing = asyncio.ensure_future(self._closing.wait())
        following: asyncio.Future[dict[str, Any]] | None = None
        try:
            while True:
                following = asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({following, closing}, return_when=asyncio.FIRST_COMPLETED)
                if following not in done:
                    raise SourceError([_reload_error()])
                try:
                    event = following.result()
                except StopAsyncIteration:
                    return
                except ClientTooSlow:
                    raise
                except SourceError as failure:
                    raise SourceError(self._masked(failure.errors)) from None
                yield await self.complete(subscription, event, variables, headers, shape_operation, errors)
        finally:
            closing.cancel()
            if following is not None and not following.done():
                # The generator must not be running when it is closed: stop the pending read first.
                following.cancel()
                with contextlib.suppress(BaseException):
                    await following
            await events.aclose()

    async def complete(
        self,
        subscription: SubscriptionPlan,
        event: dict[str, Any],
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        shape_operation: ShapeNode | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """One event through the rest of the plan: entity fetches, merging, shaping."""
        run = _EventRun(self.executor, subscription, event, variables, headers)
        if errors:
            run.errors.extend(errors)
        await run.go()
        shape = shape_operation or subscription.plan.shape
        known = {tuple(e["path"]) for e in run.errors if isinstance(e.get("path"), list)}
        data = Shaper(run.errors, known).root(shape, run.data)
        response: dict[str, Any] = {"data": data}
        if run.errors:
            response["errors"] = run.errors
        return response

    def _masked(self, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.executor.config.mask_subgraph_errors:
            return errors
        return [
            {"message": REDACTED, "extensions": {"serviceName": e.get("extensions", {}).get("serviceName")}}
            for e in errors
        ]

    async def aclose(self) -> None:
        self._closing.set()


def _reload_error() -> dict[str, Any]:
    return {
        "message": "The subscription was closed because the router's schema changed; subscribe again.",
        "extensions": {"code": SCHEMA_RELOAD},
    }

