"""Notification rules, free of GraphQL so resolvers, event handlers and the CLI share them.

Preferences are a local mirror of the users service's events (never a call to it).
Every write about one user first takes that user's ``recipients`` row lock (creating an
"unknown preferences" placeholder if needed), so a notification and a preference event
for the same user, handled concurrently, cannot miss each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.database import Database, conflict_insert
from subgraphs.common.errors import BadUserInput, NotFound
from subgraphs.notifications.models import (
    ORDER_UPDATE,
    PROMOTION,
    RECOMMENDATION,
    NotificationRow,
    PendingNotificationRow,
    PromotionRow,
    RecipientRow,
    utc_now,
)

MAX_PAGE_SIZE = 100
MAX_PROMOTION_LENGTH = 1000
UNKNOWN_VERSION = 0  # a placeholder recipient whose preferences have not arrived yet

# Which preference switches each notification type on or off.
PREFERENCE_OF_TYPE = {ORDER_UPDATE: "order_updates", RECOMMENDATION: "recommendations", PROMOTION: "promotions"}

STATUS_MESSAGES = {
    "processing": "Your order #{id} is being processed.",
    "shipped": "Your order #{id} has shipped.",
    "delivered": "Your order #{id} has been delivered.",
    "cancelled": "Your order #{id} has been cancelled.",
}


# -- what a transaction created ----------------------------------------------------------

# ``session.info`` key: the notifications this transaction created, as the API shows them.
# Read after the commit by the live fan-out (live.py), never before, so nothing rolled
# back is ever pushed.
CREATED = "notifications.created"


def notification_payload(row_id: int, user_id: int, notification_type: str, content: str, sent_at: datetime, read: bool = False) -> dict[str, Any]:
    """A notification in the shape of a ``userNotifications`` item."""
    return {"id": row_id, "userId": user_id, "type": notification_type, "content": content,
            "sentAt": sent_at.isoformat(), "read": read}


def _created(session: AsyncSession, rows: Iterable[NotificationRow]) -> None:
    session.info.setdefault(CREATED, []).extend(
        notification_payload(row.id, row.user_id, row.type, row.content, row.sent_at, row.read) for row in rows
    )


# -- message texts ----------------------------------------------------------------------


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def order_placed_message(data: Mapping[str, Any]) -> str:
    items = data.get("items") or []
    count = sum(int(item.get("quantity", 1)) for item in items)
    if not count:
        return f"Your order #{data['order_id']} has been placed."
    noun = "item" if count == 1 else "items"
    return f"Your order #{data['order_id']} has been placed: {count} {noun}, {_money(int(data.get('total_cents', 0)))} total."


def order_status_message(data: Mapping[str, Any]) -> str:
    template = STATUS_MESSAGES.get(str(data["status"]), "Your order #{id} is now {status}.")
    return template.format(id=data["order_id"], status=data["status"])


def recommendation_message(data: Mapping[str, Any]) -> str:
    return f"Recommended for you: {data['product_name']}. {data['reason']}."


# -- preferences mirror -------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    promotions: bool
    order_updates: bool
    recommendations: bool

    @classmethod
    def from_event(cls, raw: Mapping[str, Any]) -> Preferences:
        return cls(
            promotions=bool(raw["promotions"]),
            order_updates=bool(raw["order_updates"]),
            recommendations=bool(raw["recommendations"]),
        )


async def _lock_recipient(session: AsyncSession, user_id: int) -> RecipientRow:
    await session.execute(
        conflict_insert(session, RecipientRow.__table__)
        .values(
            user_id=user_id,
            promotions=False,
            order_updates=False,
            recommendations=False,
            preferences_version=UNKNOWN_VERSION,
            updated_at=utc_now(),
        )
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    recipient = await session.scalar(
        select(RecipientRow).where(RecipientRow.user_id == user_id).with_for_update().execution_options(populate_existing=True)
    )
    assert recipient is not None
    return recipient


def _wants(recipient: RecipientRow, notification_type: str) -> bool:
    return bool(getattr(recipient, PREFERENCE_OF_TYPE[notification_type]))


async def apply_preferences(
    session: AsyncSession, *, user_id: int, preferences: Preferences, version: int, name: str | None = None
) -> bool:
    """Store a user's preferences if ``version`` is newer than ours; deliver what waited for them.

    Returns whether they were applied (an older or repeated version is ignored, so
    events handled out of order can never roll preferences back).
    """
    recipient = await _lock_recipient(session, user_id)
    if name and not recipient.name:
        recipient.name = name
    if version <= recipient.preferences_version:
        return False
    recipient.promotions = preferences.promotions
    recipient.order_updates = preferences.order_updates
    recipient.recommendations = preferences.recommendations
    recipient.preferences_version = version
    recipient.updated_at = utc_now()
    pending = (
        await session.scalars(
            select(PendingNotificationRow)
            .where(PendingNotificationRow.user_id == user_id)
            .order_by(PendingNotificationRow.id)
        )
    ).all()
    delivered: list[NotificationRow] = []
    for waiting in pending:
        if _wants(recipient, waiting.type):
            row = NotificationRow(
                user_id=user_id, type=waiting.type, content=waiting.content, event_id=waiting.event_id,
                sent_at=utc_now(), read=False,
            )
            session.add(row)
            delivered.append(row)
        await session.delete(waiting)
    await session.flush()
    _created(session, delivered)
    return True


async def deliver(session: AsyncSession, *, user_id: int, notification_type: str, content: str, event_id: str) -> str:
    """Notify ``user_id`` if their preferences allow it: "sent", "muted" or "pending"."""
    recipient = await _lock_recipient(session, user_id)
    if recipient.preferences_version == UNKNOWN_VERSION:
        session.add(PendingNotificationRow(user_id=user_id, type=notification_type, content=content, event_id=event_id))
        await session.flush()
        return "pending"
    if not _wants(recipient, notification_type):
        return "muted"
    row = NotificationRow(
        user_id=user_id, type=notification_type, content=content, event_id=event_id, sent_at=utc_now(), read=False
    )
    session.add(row)
    await session.flush()
    _created(session, [row])
    return "sent"


# -- reading and marking ---------------------------------------------------------------------


def _check_page(first: int, offset: int) -> None:
    if first < 0 or first > MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 0 and {MAX_PAGE_SIZE}", field="first")
    if offset < 0:
        raise BadUserInput("offset must not be negative", field="offset")


async def list_notifications(
    database: Database, user_id: int, *, unread_only: bool = False, first: int = 50, offset: int = 0, after: int | None = None
) -> Sequence[NotificationRow]:
    """Newest first. ``after`` is the id of the last notification of the previous page."""
    _check_page(first, offset)
    query = select(NotificationRow).where(NotificationRow.user_id == user_id)
    if unread_only:
        query = query.where(NotificationRow.read.is_(False))
    if after is not None:
        query = query.where(NotificationRow.id < after)
    query = query.order_by(NotificationRow.id.desc()).limit(first).offset(offset)
    async with database.session() as session:
        return (await session.scalars(query)).all()


async def count_unread(database: Database, user_id: int) -> int:
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(NotificationRow).where(
                NotificationRow.user_id == user_id, NotificationRow.read.is_(False)
            )
        )
    return int(count or 0)


async def mark_read(database: Database, user_id: int, notification_id: int) -> NotificationRow:
    """Mark one of the caller's notifications read; someone else's reads as missing."""
    async with database.transaction() as session:
        row = await session.scalar(
            select(NotificationRow)
            .where(NotificationRow.id == notification_id, NotificationRow.user_id == user_id)
            .with_for_update()
        )
        if row is None:
            raise NotFound(f"Notification {notification_id} not found")
        if not row.read:
            row.read = True
            row.read_at = utc_now()
    return row


async def mark_all_read(database: Database, user_id: int) -> int:
    async with database.transaction() as session:
        result = await session.execute(
            update(NotificationRow)
            .where(NotificationRow.user_id == user_id, NotificationRow.read.is_(False))
            .values(read=True, read_at=utc_now())
        )
    return int(result.rowcount or 0)


# -- promotions ---------------------------------------------------------------------------------


async def send_promotion(database: Database, *, content: str, sent_by: str, idempotency_key: str | None = None) -> PromotionRow:
    """Notify every user who has promotions enabled, in one transaction.

    With an ``idempotency_key`` a retried send returns the first one instead of
    notifying everybody twice.
    """
    text = content.strip()
    if not text:
        raise BadUserInput("Promotion content must not be empty", field="content")
    if len(text) > MAX_PROMOTION_LENGTH:
        raise BadUserInput(f"Promotion content must be at most {MAX_PROMOTION_LENGTH} characters", field="content")
    if idempotency_key is not None and not (0 < len(idempotency_key) <= 100):
        raise BadUserInput("idempotencyKey must be 1 to 100 characters", field="idempotencyKey")
    if idempotency_key is not None:
        existing = await _promotion_by_key(database, idempotency_key)
        if existing is not None:
            return existing
    try:
        async with database.transaction() as session:
            now = utc_now()
            promotion = PromotionRow(content=text, sent_by=sent_by, idempotency_key=idempotency_key, sent_at=now)
            session.add(promotion)
            await session.flush()
            recipients = select(
                RecipientRow.user_id,
                literal(PROMOTION),
                literal(text),
                literal(now, NotificationRow.__table__.c.sent_at.type),
                literal(False),
                literal(promotion.id),
            ).where(RecipientRow.promotions.is_(True), RecipientRow.preferences_version > UNKNOWN_VERSION)
            await session.execute(
                insert(NotificationRow.__table__).from_select(
                    ["user_id", "type", "content", "sent_at", "read", "promotion_id"], recipients
                )
            )
            # Read back, not taken from rowcount: drivers disagree on it for INSERT ... SELECT.
            sent = (
                await session.execute(
                    select(NotificationRow.id, NotificationRow.user_id).where(NotificationRow.promotion_id == promotion.id)
                )
            ).all()
            promotion.recipients = len(sent)
            session.info.setdefault(CREATED, []).extend(
                notification_payload(row_id, user_id, PROMOTION, text, now) for row_id, user_id in sent
            )
    except IntegrityError:
        # The same idempotency key was sent concurrently; that send won.
        if idempotency_key is not None and (existing := await _promotion_by_key(database, idempotency_key)):
            return existing
        raise
    return promotion


async def _promotion_by_key(database: Database, key: str) -> PromotionRow | None:
    async with database.session() as session:
        return await session.scalar(select(PromotionRow).where(PromotionRow.idempotency_key == key))
