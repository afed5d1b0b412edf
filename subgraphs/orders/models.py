"""Tables of the orders service (its own database): the catalogue and the orders."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from subgraphs.common.database import UtcDateTime
from subgraphs.common.events.store import EventStore


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData()


class ProductRow(Base):
    __tablename__ = "products"

    # Ids are part of the demo catalogue (stable across databases), not generated.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), index=True)
    # Integer cents: exact on every database (SQLite has no real decimal type).
    price_cents: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_newest", "user_id", "id"),
        # What the status job scans: active orders by age of their current status.
        Index("ix_orders_status_age", "status", "status_changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    items: Mapped[list[OrderItemRow]] = relationship(
        back_populates="order", order_by="OrderItemRow.id", lazy="raise", cascade="all, delete-orphan"
    )


class OrderItemRow(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "product_id", name="uq_order_items_product"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    # The price paid, frozen at order time (catalogue prices may change later).
    unit_price_cents: Mapped[int] = mapped_column(Integer)

    order: Mapped[OrderRow] = relationship(back_populates="items", lazy="raise")


events = EventStore(Base.metadata, source="orders")
