"""GraphQL schema of the notifications subgraph (Strawberry, Federation 2).

Everything personal is ``@authenticated`` (the router refuses anonymous callers before
any fetch) and checked again here; a user can never read or change another user's
notification, and trying looks exactly like asking for a missing id. Sending a
promotion needs the ``admin`` scope (``@requiresScopes``) and the admin role here.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry.types import Info

from subgraphs.common.auth import Principal
from subgraphs.common.context import RequestContext
from subgraphs.common.errors import Forbidden
from subgraphs.notifications import service
from subgraphs.notifications.live import live_hub
from subgraphs.notifications.models import NotificationRow, PromotionRow

FEDERATION_VERSION = "2.9"


@strawberry.type(description="A message to one user. type: order_update, recommendation or promotion.")
class Notification:
    id: int
    user_id: int
    type: str
    content: str
    sent_at: datetime
    read: bool

    @classmethod
    def from_row(cls, row: NotificationRow) -> Self:
        return cls(id=row.id, user_id=row.user_id, type=row.type, content=row.content, sent_at=row.sent_at, read=row.read)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        return cls(
            id=payload["id"],
            user_id=payload["userId"],
            type=payload["type"],
            content=payload["content"],
            sent_at=datetime.fromisoformat(payload["sentAt"]),
            read=payload["read"],
        )


@strawberry.type(description="A promotion broadcast to every user who accepts promotions.")
class Promotion:
    id: int
    content: str
    recipients: int = strawberry.field(description="How many users were notified.")
    sent_at: datetime

    @classmethod
    def from_row(cls, row: PromotionRow) -> Self:
        return cls(id=row.id, content=row.content, recipients=row.recipients, sent_at=row.sent_at)


@strawberry.input
class PromotionInput:
    content: str
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first send instead of sending twice."
    )


def _own_user(principal: Principal, user_id: int | None) -> int:
    if user_id is not None and user_id != principal.user_id:
        raise Forbidden("You can only see your own notifications")
    return principal.user_id


async def _notifications(
    info: Info[RequestContext, None], user_id: int, unread_only: bool, first: int, offset: int, after: int | None
) -> list[Notification]:
    rows = await service.list_notifications(
        info.context.runtime.database, user_id, unread_only=unread_only, first=first, offset=offset, after=after
    )
    return [Notification.from_row(row) for row in rows]


@strawberry.federation.type(keys=["id"])
class User:
    """Owned by the users subgraph; this subgraph adds a field (no description here, so composition keeps users' one)."""

    id: int

    @classmethod
    def resolve_reference(cls, id: int) -> Self:
        return cls(id=int(id))

    @strawberry.federation.field(authenticated=True, description="The user's notifications, newest first (only your own).")
    async def notifications(
        self,
        info: Info[RequestContext, None],
        unread_only: bool = False,
        first: int = 50,
        offset: int = 0,
        after: int | None = None,
    ) -> list[Notification]:
        _own_user(info.context.require_user(), self.id)
        return await _notifications(info, self.id, unread_only, first, offset, after)

    @strawberry.federation.field(authenticated=True, description="How many of the user's notifications are unread.")
    async def unread_notification_count(self, info: Info[RequestContext, None]) -> int:
        _own_user(info.context.require_user(), self.id)
        return await service.count_unread(info.context.runtime.database, self.id)


@strawberry.type
class Query:
    @strawberry.federation.field(
        authenticated=True,
        description=(
            "The caller's notifications, newest first. Page with first/offset, or pass the id of the "
            "last notification you have as `after` to get the older ones."
        ),
    )
    async def user_notifications(
        self,
        info: Info[RequestContext, None],
        user_id: int | None = None,
        unread_only: bool = False,
        first: int = 50,
        offset: int = 0,
        after: int | None = None,
    ) -> list[Notification]:
        owner = _own_user(info.context.require_user(), user_id)
        return await _notifications(info, owner, unread_only, first, offset, after)

    @strawberry.federation.field(authenticated=True, description="How many of the caller's notifications are unread.")
    async def unread_notification_count(self, info: Info[RequestContext, None]) -> int:
        principal = info.context.require_user()
        return await service.count_unread(info.context.runtime.database, principal.user_id)


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(authenticated=True, description="Mark one of the caller's notifications read.")
    async def mark_notification_read(self, info: Info[RequestContext, None], notification_id: int) -> Notification:
        principal = info.context.require_user()
        row = await service.mark_read(info.context.runtime.database, principal.user_id, notification_id)
        return Notification.from_row(row)

    @strawberry.federation.mutation(authenticated=True, description="Mark all the caller's notifications read; returns how many changed.")
    async def mark_all_notifications_read(self, info: Info[RequestContext, None]) -> int:
        principal = info.context.require_user()
        return await service.mark_all_read(info.context.runtime.database, principal.user_id)

    @strawberry.federation.mutation(
        requires_scopes=[["admin"]], description="Send a promotion to every user who accepts promotions (admins only)."
    )
    async def send_promotion(self, info: Info[RequestContext, None], promotion_input: PromotionInput) -> Promotion:
        principal = info.context.require_user()
        if not principal.is_admin:
            raise Forbidden("Only administrators can send promotions")
        row = await service.send_promotion(
            info.context.runtime.database,
            content=promotion_input.content,
            sent_by=f"user:{principal.user_id}",
            idempotency_key=promotion_input.idempotency_key,
        )
        return Promotion.from_row(row)


@strawberry.type
class Subscription:
    @strawberry.federation.field(
        is_subscription=True,
        authenticated=True,
        description=(
            "The caller's new notifications, pushed as they are created (over a graphql-transport-ws "
            "WebSocket). Best-effort: after a reconnect, read the ones missed with userNotifications."
        ),
    )
    async def notification_added(self, info: Info[RequestContext, None]) -> AsyncGenerator[Notification, None]:
        principal = info.context.require_user()
        hub = live_hub(info.context.runtime)
        with hub.subscribe(principal.user_id) as queue:
            while True:
                yield Notification.from_payload(await queue.get())


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[User],
    federation_version=FEDERATION_VERSION,
)
