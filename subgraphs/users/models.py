"""Tables of the users service (its own database)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs.common.events.store import EventStore


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData()


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    # Stored lower-cased so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Space-separated roles, minted into the JWT (e.g. "admin" for promotion senders).
    roles: Mapped[str] = mapped_column(String(200), default="")
    pref_promotions: Mapped[bool] = mapped_column(Boolean, default=True)
    pref_order_updates: Mapped[bool] = mapped_column(Boolean, default=True)
    pref_recommendations: Mapped[bool] = mapped_column(Boolean, default=True)
    # Increases with every preference change; consumers apply only newer versions,
    # so events handled out of order cannot roll preferences back.
    preferences_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    def preferences_dict(self) -> dict[str, bool]:
        return {
            "promotions": self.pref_promotions,
            "order_updates": self.pref_order_updates,
            "recommendations": self.pref_recommendations,
        }


events = EventStore(Base.metadata, source="users")
