"""Tables of the notifications service (its own database)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.database import UtcDateTime
from subgraphs.common.events.store import EventStore

ORDER_UPDATE, RECOMMENDATION, PROMOTION = "order_update", "recommendation", "promotion"
NOTIFICATION_TYPES = (ORDER_UPDATE, RECOMMENDATION, PROMOTION)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData()


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_newest", "user_id", "id"),
        Index("ix_notifications_user_unread", "user_id", "read"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The event that caused it: a second notification for one event is impossible even
    # if the inbox were bypassed (NULL for promotions, which come from a mutation).
    event_id: Mapped[str | None] = mapped_column(String(36), unique=True, nullable=True)
    promotion_id: Mapped[int | None] = mapped_column(ForeignKey("promotions.id"), nullable=True)


class RecipientRow(Base):
    """What notifications knows about a user, mirrored from the users service's events."""

    __tablename__ = "recipients"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    promotions: Mapped[bool] = mapped_column(Boolean)
    order_updates: Mapped[bool] = mapped_column(Boolean)
    recommendations: Mapped[bool] = mapped_column(Boolean)
    # The users service's version of these preferences; older events are ignored.
    preferences_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PendingNotificationRow(Base):
    """A notification for a user whose preferences have not arrived yet.

    Events travel on different queues, so an order can be seen before its customer's
    ``user.registered``. Rather than guess the preferences, the notification waits here
    and is delivered (or dropped) as soon as they are known.
    """

    __tablename__ = "pending_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    type: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PromotionRow(Base):
    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content: Mapped[str] = mapped_column(Text)
    # "user:<id>" for an admin's mutation, "cli" for the operator command.
    sent_by: Mapped[str] = mapped_column(String(50))
    # Lets a sender retry safely: the same key returns the first send instead of a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


events = EventStore(Base.metadata, source="notifications")
