"""Recommendation rules: learning from events, generating, reading.

Generation for one user always runs under that user's ``user_profiles`` row lock, so the
order handler, the preference handler and the scheduled job (on any replica) never
pick the same product twice for one user; the unique (user, product) constraint backs
that up. Each new recommendation is stored together with its ``recommendation.created``
event (outbox).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from subgraphs.common.database import Database, conflict_insert
from subgraphs.common.errors import BadUserInput
from subgraphs.recommendations import recommender
from subgraphs.recommendations.models import (
    CatalogProductRow,
    PurchaseRow,
    RecommendationRow,
    UserProfileRow,
    events,
    utc_now,
)

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PurchasedItem:
    product_id: int
    name: str | None
    category: str | None
    quantity: int


# -- learning from events ------------------------------------------------------------------


async def upsert_product(session: AsyncSession, *, product_id: int, name: str, category: str, price_cents: int | None) -> None:
    values: dict[str, Any] = {"id": product_id, "name": name, "category": category, "updated_at": utc_now()}
    update = {"name": name, "category": category, "updated_at": values["updated_at"]}
    if price_cents is not None:
        values["price_cents"] = update["price_cents"] = price_cents
    statement = conflict_insert(session, CatalogProductRow.__table__).values(**values)
    await session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=update))


async def lock_profile(session: AsyncSession, user_id: int) -> UserProfileRow:
    """The user's profile row, created if needed and locked for this transaction."""
    await session.execute(
        conflict_insert(session, UserProfileRow.__table__)
        .values(user_id=user_id, recommendations_enabled=None, preferences_version=0)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    profile = await session.scalar(
        select(UserProfileRow)
        .where(UserProfileRow.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert profile is not None
    return profile


async def record_order(
    session: AsyncSession, *, order_id: int, user_id: int, items: Sequence[PurchasedItem], placed_at: datetime
) -> UserProfileRow:
    """Remember an order's lines (catalogue entries too) and mark the user active."""
    profile = await lock_profile(session, user_id)
    # In id order, and only filling gaps (``product.upserted`` is the authority): orders
    # handled concurrently never wait on, or deadlock over, each other's catalogue rows.
    for item in sorted(items, key=lambda line: line.product_id):
        if item.name is not None and item.category is not None:
            await session.execute(
                conflict_insert(session, CatalogProductRow.__table__)
                .values(id=item.product_id, name=item.name, category=item.category, updated_at=utc_now())
                .on_conflict_do_nothing(index_elements=["id"])
            )
        await session.execute(
            conflict_insert(session, PurchaseRow.__table__)
            .values(order_id=order_id, user_id=user_id, product_id=item.product_id, quantity=item.quantity, purchased_at=placed_at)
            .on_conflict_do_nothing(index_elements=["order_id", "product_id"])
        )
    # When we learned of it, not when it was placed: an order delivered late (say after a
    # broker outage) must still count as activity since the last refresh.
    profile.last_activity_at = utc_now()
    return profile


async def apply_preference(session: AsyncSession, *, user_id: int, enabled: bool, version: int) -> UserProfileRow | None:
    """Store the recommendations preference if ``version`` is newer; return the profile if applied."""
    profile = await lock_profile(session, user_id)
    if version <= profile.preferences_version:
        return None
    profile.recommendations_enabled = enabled
    profile.preferences_version = version
    return profile


def has_unserved_activity(profile: UserProfileRow) -> bool:
    return profile.last_activity_at is not None and (
        profile.last_generated_at is None or profile.last_activity_at > profile.last_generated_at
    )


# -- generating ------------------------------------------------------------------------------


async def _signals(session: AsyncSession, user_id: int, focus: Iterable[int]) -> recommender.Signals:
    catalog = {
        row.id: recommender.CatalogEntry(row.name, row.category)
        for row in (await session.execute(select(CatalogProductRow.id, CatalogProductRow.name, CatalogProductRow.category))).all()
    }
    bought = frozenset((await session.scalars(select(PurchaseRow.product_id).where(PurchaseRow.user_id == user_id))).all())
    already = frozenset(
        (await session.scalars(select(RecommendationRow.product_id).where(RecommendationRow.user_id == user_id))).all()
    )
    co_purchases: dict[int, dict[int, int]] = defaultdict(dict)
    if bought:
        anchor, other = aliased(PurchaseRow), aliased(PurchaseRow)
        rows = await session.execute(
            select(other.product_id, anchor.product_id, func.count(distinct(other.order_id)))
            .join(anchor, anchor.order_id == other.order_id)
            .where(anchor.product_id.in_(bought), other.product_id.not_in(bought | already))
            .group_by(other.product_id, anchor.product_id)
        )
        for candidate, anchor_id, count in rows.all():
            co_purchases[candidate][anchor_id] = int(count)
    favourite = (
        await session.execute(
            select(CatalogProductRow.category)
            .join(PurchaseRow, PurchaseRow.product_id == CatalogProductRow.id)
            .where(PurchaseRow.user_id == user_id)
            .group_by(CatalogProductRow.category)
            .order_by(func.sum(PurchaseRow.quantity).desc(), func.max(PurchaseRow.purchased_at).desc())
        )
    ).scalars().all()
    popularity = {
        product_id: int(count)
        for product_id, count in (
            await session.execute(
                select(PurchaseRow.product_id, func.count(distinct(PurchaseRow.user_id))).group_by(PurchaseRow.product_id)
            )
        ).all()
    }
    return recommender.Signals(
        catalog=catalog,
        bought=bought,
        already_recommended=already,
        co_purchases=co_purchases,
        favourite_categories=list(favourite),
        popularity=popularity,
        focus=frozenset(focus),
    )


def _created_event(row: RecommendationRow, product: recommender.CatalogEntry) -> dict[str, Any]:
    return {
        "recommendation_id": row.id,
        "user_id": row.user_id,
        "product_id": row.product_id,
        "product_name": product.name,
        "category": product.category,
        "reason": row.reason,
        "strategy": row.strategy,
        "created_at": row.created_at.isoformat(),
    }


async def generate(
    session: AsyncSession, profile: UserProfileRow, *, limit: int, focus: Iterable[int] = ()
) -> list[RecommendationRow]:
    """New recommendations for a locked, opted-in profile, each published as an event."""
    if not profile.recommendations_enabled or limit <= 0:
        return []
    signals = await _signals(session, profile.user_id, focus)
    now = utc_now()
    rows = []
    for pick in recommender.recommend(signals, limit):
        row = RecommendationRow(
            user_id=profile.user_id,
            product_id=pick.product_id,
            reason=pick.reason,
            strategy=pick.strategy,
            score=pick.score,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        await events.enqueue(session, "recommendation.created", _created_event(row, signals.catalog[pick.product_id]))
        rows.append(row)
    profile.last_generated_at = now
    return rows


async def refresh_active_users(database: Database, *, limit: int, batch_size: int = 200) -> int:
    """The scheduled run: new recommendations for opted-in users active since their last refresh.

    Returns how many recommendations were created. Each user is handled in their own
    transaction, re-checked under the profile lock, so concurrent replicas skip users
    another one has just refreshed.
    """
    created = 0
    last_user = 0
    while True:
        async with database.session() as session:
            user_ids = (
                await session.scalars(
                    select(UserProfileRow.user_id)
                    .where(
                        UserProfileRow.user_id > last_user,
                        UserProfileRow.recommendations_enabled.is_(True),
                        UserProfileRow.last_activity_at.is_not(None),
                        or_(
                            UserProfileRow.last_refreshed_at.is_(None),
                            UserProfileRow.last_activity_at > UserProfileRow.last_refreshed_at,
                        ),
                    )
                    .order_by(UserProfileRow.user_id)
                    .limit(batch_size)
                )
            ).all()
        for user_id in user_ids:
            async with database.transaction() as session:
                profile = await lock_profile(session, user_id)
                if not profile.recommendations_enabled or profile.last_activity_at is None:
                    continue
                if profile.last_refreshed_at is not None and profile.last_activity_at <= profile.last_refreshed_at:
                    continue
                created += len(await generate(session, profile, limit=limit))
                profile.last_refreshed_at = utc_now()
        if len(user_ids) < batch_size:
            return created
        last_user = user_ids[-1]


# -- reading -----------------------------------------------------------------------------------


async def list_recommendations(database: Database, user_id: int, *, first: int, offset: int) -> Sequence[RecommendationRow]:
    if first < 0 or first > MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 0 and {MAX_PAGE_SIZE}", field="first")
    if offset < 0:
        raise BadUserInput("offset must not be negative", field="offset")
    async with database.session() as session:
        return (
            await session.scalars(
                select(RecommendationRow)
                .where(RecommendationRow.user_id == user_id)
                .order_by(RecommendationRow.id.desc())
                .limit(first)
                .offset(offset)
            )
        ).all()


def purchased_items(data: Mapping[str, Any]) -> list[PurchasedItem]:
    return [
        PurchasedItem(
            product_id=int(item["product_id"]),
            name=item.get("name"),
            category=item.get("category"),
            quantity=int(item.get("quantity", 1)),
        )
        for item in data.get("items") or []
    ]
