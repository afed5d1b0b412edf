"""Tables of the recommendations service (its own database).

Everything here is learned from events: the catalogue from ``product.upserted``,
purchases from ``order.placed``, preferences from the users service's events.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, Float, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.database import UtcDateTime
from subgraphs.common.events.store import EventStore


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData()


class CatalogProductRow(Base):
    """The orders service's catalogue, mirrored: what can be recommended."""

    __tablename__ = "catalog_products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), index=True)
    price_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PurchaseRow(Base):
    """One order line: the baskets that "bought together" and popularity are computed from."""

    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id", name="uq_purchases_order_product"),
        Index("ix_purchases_product_order", "product_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    product_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    purchased_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class UserProfileRow(Base):
    """Per user: the recommendations preference (mirrored, versioned) and activity marks."""

    __tablename__ = "user_profiles"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # None until the users service's events tell us; nothing is generated before that.
    recommendations_enabled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    preferences_version: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    last_generated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class RecommendationRow(Base):
    __tablename__ = "recommendations"
    # Never the same product twice for one user, whatever runs concurrently.
    __table_args__ = (
        UniqueConstraint("user_id", "product_id", name="uq_recommendations_user_product"),
        Index("ix_recommendations_user_newest", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    # Which strategy picked it: bought_together, favourite_category or popular.
    strategy: Mapped[str] = mapped_column(String(30))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


events = EventStore(Base.metadata, source="recommendations")
