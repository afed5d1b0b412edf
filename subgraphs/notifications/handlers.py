"""Event consumers of the notifications service.

Each runs inside the consumer's transaction together with the inbox row, so an event
is turned into at most one notification however often it is delivered.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.events import Event
from subgraphs.notifications import service
from subgraphs.notifications.models import ORDER_UPDATE, RECOMMENDATION


async def on_order_placed(session: AsyncSession, event: Event) -> None:
    await service.deliver(
        session,
        user_id=int(event.data["user_id"]),
        notification_type=ORDER_UPDATE,
        content=service.order_placed_message(event.data),
        event_id=event.id,
    )


async def on_order_status_changed(session: AsyncSession, event: Event) -> None:
    await service.deliver(
        session,
        user_id=int(event.data["user_id"]),
        notification_type=ORDER_UPDATE,
        content=service.order_status_message(event.data),
        event_id=event.id,
    )


async def on_recommendation_created(session: AsyncSession, event: Event) -> None:
    await service.deliver(
        session,
        user_id=int(event.data["user_id"]),
        notification_type=RECOMMENDATION,
        content=service.recommendation_message(event.data),
        event_id=event.id,
    )


async def on_user_preferences(session: AsyncSession, event: Event) -> None:
    """``user.registered`` and ``user.preferences_changed`` carry the same preference fields."""
    await service.apply_preferences(
        session,
        user_id=int(event.data["user_id"]),
        preferences=service.Preferences.from_event(event.data["preferences"]),
        version=int(event.data["preferences_version"]),
        name=event.data.get("name"),
    )


CONSUMERS = {
    "order_updates_queue": {
        "order.placed": on_order_placed,
        "order.status_changed": on_order_status_changed,
    },
    "recommendations_queue": {"recommendation.created": on_recommendation_created},
    "notifications.user_events": {
        "user.registered": on_user_preferences,
        "user.preferences_changed": on_user_preferences,
    },
}
