"""The outbox and inbox tables every service keeps in its own database.

``event_outbox``: events produced, written in the producer's business transaction
and marked ``published_at`` once the broker confirmed them.
``event_inbox``: (consumer, event id) pairs already applied, written in the
consumer's business transaction; a redelivered event finds its row and is skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.database import UtcDateTime
from subgraphs.common.events.envelope import Event

_SEQ = BigInteger().with_variant(Integer(), "sqlite")


class EventStore:
    """Outbox/inbox tables bound to one service's metadata."""

    def __init__(self, metadata: MetaData, source: str) -> None:
        self.source = source
        self.outbox = Table(
            "event_outbox",
            metadata,
            Column("seq", _SEQ, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("event_type", String(100), nullable=False),
            Column("body", Text, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("published_at", UtcDateTime(), nullable=True),
            Index("ix_event_outbox_pending", "published_at", "seq"),
        )
        self.inbox = Table(
            "event_inbox",
            metadata,
            Column("consumer", String(100), primary_key=True),
            Column("event_id", String(36), primary_key=True),
            Column("event_type", String(100), nullable=False),
            Column("processed_at", UtcDateTime(), nullable=False),
        )
        # Set after a commit that wrote outbox rows, so the relay publishes at once
        # instead of waiting for its next poll.
        self._wakeups: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    # -- producer side -------------------------------------------------------------

    async def enqueue(self, session: AsyncSession, event_type: str, data: dict[str, Any]) -> Event:
        """Add an event to the caller's open transaction; it is published after commit."""
        evt = Event(type=event_type, data=data, source=self.source)
        await session.execute(
            insert(self.outbox).values(
                event_id=evt.id,
                event_type=evt.type,
                body=evt.to_json().decode(),
                created_at=datetime.now(UTC),
            )
        )
        if self._wakeups:
            event.listen(session.sync_session, "after_commit", self._after_commit, once=True)
        return evt

    def subscribe_wakeup(self, loop: asyncio.AbstractEventLoop, signal: asyncio.Event) -> None:
        self._wakeups.append((loop, signal))

    def unsubscribe_wakeup(self, signal: asyncio.Event) -> None:
        self._wakeups = [(loop, s) for loop, s in self._wakeups if s is not signal]

    def _after_commit(self, _session: Any) -> None:
        for loop, signal in self._wakeups:
            if not loop.is_closed():
                loop.call_soon_threadsafe(signal.set)

    async def pending(self, session: AsyncSession, limit: int, lock: dict[str, Any]) -> Sequence[Any]:
        query = (
            select(self.outbox.c.seq, self.outbox.c.event_id, self.outbox.c.event_type, self.outbox.c.body)
            .where(self.outbox.c.published_at.is_(None))
            .order_by(self.outbox.c.seq)
            .limit(limit)
        )
        if lock:
            query = query.with_for_update(**lock)
        return (await session.execute(query)).all()

    async def mark_published(self, session: AsyncSession, seqs: Sequence[int]) -> None:
        await session.execute(
            update(self.outbox).where(self.outbox.c.seq.in_(seqs)).values(published_at=datetime.now(UTC))
        )

    async def purge_published(self, session: AsyncSession, older_than: timedelta) -> int:
        cutoff = datetime.now(UTC) - older_than
        result = await session.execute(
            delete(self.outbox).where(self.outbox.c.published_at.is_not(None), self.outbox.c.published_at < cutoff)
        )
        return int(result.rowcount or 0)

    # -- consumer side -------------------------------------------------------------

    async def already_processed(self, session: AsyncSession, consumer: str, event_id: str) -> bool:
        row = await session.execute(
            select(self.inbox.c.event_id).where(self.inbox.c.consumer == consumer, self.inbox.c.event_id == event_id)
        )
        return row.first() is not None

    async def record_processed(self, session: AsyncSession, consumer: str, evt: Event) -> None:
        """Insert the inbox row; a concurrent duplicate fails on the primary key."""
        await session.execute(
            insert(self.inbox).values(
                consumer=consumer, event_id=evt.id, event_type=evt.type, processed_at=datetime.now(UTC)
            )
        )
