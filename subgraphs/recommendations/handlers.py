"""Event consumers of the recommendations service.

Each runs in the consumer's transaction together with the inbox row: the purchase,
the recommendations it triggers and their ``recommendation.created`` events commit
together, once, however often the order event is delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.events import Event
from subgraphs.common.events.consumer import Handler
from subgraphs.recommendations import service
from subgraphs.recommendations.jobs import RecommendationsConfig


def _timestamp(raw: object, fallback: str) -> datetime:
    value = raw if isinstance(raw, str) else fallback
    return datetime.fromisoformat(value)


def consumers(config: RecommendationsConfig) -> Mapping[str, Mapping[str, Handler]]:
    async def on_order_placed(session: AsyncSession, event: Event) -> None:
        items = service.purchased_items(event.data)
        profile = await service.record_order(
            session,
            order_id=int(event.data["order_id"]),
            user_id=int(event.data["user_id"]),
            items=items,
            placed_at=_timestamp(event.data.get("placed_at"), event.occurred_at),
        )
        # Preferences unknown yet (their event may still be on its way): the preference
        # handler generates for this activity once they arrive.
        await service.generate(session, profile, limit=config.per_order, focus=[item.product_id for item in items])

    async def on_product_upserted(session: AsyncSession, event: Event) -> None:
        await service.upsert_product(
            session,
            product_id=int(event.data["product_id"]),
            name=str(event.data["name"]),
            category=str(event.data["category"]),
            price_cents=event.data.get("price_cents"),
        )

    async def on_user_preferences(session: AsyncSession, event: Event) -> None:
        profile = await service.apply_preference(
            session,
            user_id=int(event.data["user_id"]),
            enabled=bool(event.data["preferences"]["recommendations"]),
            version=int(event.data["preferences_version"]),
        )
        if profile is not None and profile.recommendations_enabled and service.has_unserved_activity(profile):
            await service.generate(session, profile, limit=config.per_order)

    return {
        "order_placed_queue": {"order.placed": on_order_placed},
        "recommendations.catalog": {"product.upserted": on_product_upserted},
        "recommendations.user_events": {
            "user.registered": on_user_preferences,
            "user.preferences_changed": on_user_preferences,
        },
    }
