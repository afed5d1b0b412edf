"""Moves committed outbox rows to the broker.

It runs as an asyncio task in every producing service. Rows are claimed inside a
transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas split the work;
SQLite serialises writers anyway), published with confirms, then marked published in
that same transaction. If the broker is down the transaction rolls back and the rows
wait: an outage delays events but loses none. A crash between confirm and commit
republishes the rows, which consumers' inboxes absorb.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from subgraphs.common.database import Database
from subgraphs.common.events.publisher import BrokerUnavailable, EventPublisher, OutgoingMessage
from subgraphs.common.events.store import EventStore

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600
KEEP_PUBLISHED = timedelta(days=1)


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        store: EventStore,
        publisher: EventPublisher,
        *,
        poll_seconds: float = 1.0,
        batch_size: int = 200,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self.database = database
        self.store = store
        self.publisher = publisher
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.max_backoff_seconds = max_backoff_seconds
        self.published_total = 0
        self._wakeup = asyncio.Event()
        self._stopped = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_purge = time.monotonic()

    def start(self) -> None:
        self.store.subscribe_wakeup(asyncio.get_running_loop(), self._wakeup)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        self._stopping = True
        self._stopped.set()
        self._wakeup.set()
        self.store.unsubscribe_wakeup(self._wakeup)
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=15)

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events; return how many were published."""
        await self.publisher.ensure_connected()  # never hold a DB lock while connecting
        async with self.database.transaction() as session:
            rows = await self.store.pending(session, self.batch_size, self.database.for_update())
            if not rows:
                return 0
            await self.publisher.publish(
                [OutgoingMessage(row.event_id, row.event_type, row.body.encode()) for row in rows]
            )
            await self.store.mark_published(session, [row.seq for row in rows])
        self.published_total += len(rows)
        return len(rows)

    async def _run(self) -> None:
        backoff = 0.2
        broker_down_logged = False
        while not self._stopping:
            self._wakeup.clear()
            try:
                published = await self.publish_pending()
                backoff = 0.2
                if broker_down_logged:
                    log.info("broker reachable again, outbox relay resumed")
                    broker_down_logged = False
                if published == self.batch_size:
                    continue  # more are waiting
                await self._maybe_purge()
                await self.publisher.keepalive()
            except BrokerUnavailable as exc:
                if not broker_down_logged:
                    log.warning("broker unavailable, events stay in the outbox: %s", exc)
                    broker_down_logged = True
                await self._backoff(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
                continue
            except Exception:  # noqa: BLE001 - the relay must outlive any single failure
                log.exception("outbox relay iteration failed")
                await self._backoff(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
                continue
            await self._sleep(self.poll_seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)

    async def _backoff(self, seconds: float) -> None:
        # New events must not cut a backoff short, or an outage turns into a connect storm.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), timeout=seconds)

    async def _maybe_purge(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = time.monotonic()
        async with self.database.transaction() as session:
            purged = await self.store.purge_published(session, KEEP_PUBLISHED)
        if purged:
            log.info("purged published outbox rows", extra={"rows": purged})
