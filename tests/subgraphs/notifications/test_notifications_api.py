"""The notifications subgraph: events in, notifications out, read over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from subgraphs.notifications.models import PendingNotificationRow
from tests.subgraphs.helpers import error_codes, token_for
from tests.subgraphs.notifications.conftest import NotificationsUnderTest, new_user_id
from tests.support.rabbit import RabbitClient

pytestmark = pytest.mark.rabbitmq

ROOT = Path(__file__).resolve().parents[3]
LIST = "query($u: Boolean! = false) { userNotifications(unreadOnly: $u) { id userId type content sentAt read } }"


def placed(order_id: int, user_id: int, quantity: int = 2) -> dict:
    return {
        "order_id": order_id,
        "user_id": user_id,
        "status": "placed",
        "items": [{"product_id": 1, "name": "Wireless Mouse", "category": "Electronics", "quantity": quantity, "unit_price_cents": 2499}],
        "total_cents": 2499 * quantity,
        "placed_at": "2026-11-26T10:00:00+00:00",
    }


def status(order_id: int, user_id: int, new: str, previous: str = "placed") -> dict:
    return {"order_id": order_id, "user_id": user_id, "previous_status": previous, "status": new, "changed_at": "2026-11-26T10:00:01+00:00"}


def listing(notifications: NotificationsUnderTest, user_id: int, unread_only: bool = False) -> list[dict]:
    return notifications.service.data(LIST, {"u": unread_only}, token_for(user_id))["userNotifications"]


async def test_order_and_recommendation_events_become_notifications(notifications: NotificationsUnderTest) -> None:
    user_id = new_user_id()
    events = [
        notifications.register(user_id),
        notifications.publish("order.placed", placed(12, user_id)),
        notifications.publish("order.status_changed", status(12, user_id, "shipped", "processing")),
        notifications.publish(
            "recommendation.created",
            {"recommendation_id": 1, "user_id": user_id, "product_id": 4, "product_name": "Mouse Pad XL",
             "category": "Electronics", "reason": "Often bought with Wireless Mouse", "strategy": "bought_together",
             "created_at": "2026-11-26T10:00:02+00:00"},
        ),
    ]
    await notifications.wait_processed(*events)
    found = listing(notifications, user_id)
    assert sorted((n["type"], n["content"]) for n in found) == [
        ("order_update", "Your order #12 has been placed: 2 items, $49.98 total."),
        ("order_update", "Your order #12 has shipped."),
        ("recommendation", "Recommended for you: Mouse Pad XL. Often bought with Wireless Mouse."),
    ]
    assert [n["id"] for n in found] == sorted((n["id"] for n in found), reverse=True)  # newest first
    assert all(set(n) == {"id", "userId", "type", "content", "sentAt", "read"} for n in found)
    assert all(n["userId"] == user_id and n["read"] is False and n["sentAt"].endswith("+00:00") for n in found)


async def test_preferences_decide_which_types_are_sent(notifications: NotificationsUnderTest) -> None:
    muted_orders, muted_recs = new_user_id(), new_user_id()
    events = [
        notifications.register(muted_orders, order_updates=False),
        notifications.register(muted_recs, recommendations=False),
    ]
    await notifications.wait_processed(*events)
    rec = {"recommendation_id": 9, "product_id": 2, "product_name": "Keyboard", "category": "Electronics",
           "reason": "Because you like Electronics", "strategy": "favourite_category", "created_at": "2026-11-26T10:00:00+00:00"}
    events = []
    for user_id in (muted_orders, muted_recs):
        events += [
            notifications.publish("order.placed", placed(100 + user_id, user_id)),
            notifications.publish("order.status_changed", status(100 + user_id, user_id, "processing")),
            notifications.publish("recommendation.created", {**rec, "user_id": user_id}),
        ]
    await notifications.wait_processed(*events)
    assert {n["type"] for n in listing(notifications, muted_orders)} == {"recommendation"}
    assert [n["type"] for n in listing(notifications, muted_recs)] == ["order_update", "order_update"]


async def test_a_notification_waits_for_preferences_that_have_not_arrived(notifications: NotificationsUnderTest) -> None:
    """Events travel on different queues: an order can arrive before its user's registration."""
    wants, refuses = new_user_id(), new_user_id()
    early = [
        notifications.publish("order.placed", placed(500, wants)),
        notifications.publish("order.placed", placed(501, refuses)),
    ]
    await notifications.wait_processed(*early)
    assert listing(notifications, wants) == [] and listing(notifications, refuses) == []
    assert await pending_count(notifications, wants, refuses) == 2

    await notifications.wait_processed(notifications.register(wants), notifications.register(refuses, order_updates=False))
    assert [n["content"] for n in listing(notifications, wants)] == ["Your order #500 has been placed: 2 items, $49.98 total."]
    assert listing(notifications, refuses) == []
    assert await pending_count(notifications, wants, refuses) == 0


async def pending_count(notifications: NotificationsUnderTest, *user_ids: int) -> int:
    assert notifications.database is not None
    async with notifications.database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(PendingNotificationRow).where(PendingNotificationRow.user_id.in_(user_ids))
        )
    return int(count or 0)


async def test_only_newer_preference_versions_apply(notifications: NotificationsUnderTest) -> None:
    user_id = new_user_id()
    # The change (version 3) is handled before the registration (version 1) it follows.
    await notifications.wait_processed(notifications.change_preferences(user_id, 3, order_updates=False))
    await notifications.wait_processed(notifications.register(user_id, version=1, order_updates=True))
    await notifications.wait_processed(notifications.change_preferences(user_id, 2, order_updates=True))
    await notifications.wait_processed(notifications.publish("order.placed", placed(700, user_id)))
    assert listing(notifications, user_id) == []

    await notifications.wait_processed(notifications.change_preferences(user_id, 4, order_updates=True))
    await notifications.wait_processed(notifications.publish("order.placed", placed(701, user_id)))
    assert [n["content"][:20] for n in listing(notifications, user_id)] == ["Your order #701 has "]


async def test_a_redelivered_event_makes_one_notification(notifications: NotificationsUnderTest) -> None:
    user_id = new_user_id()
    await notifications.wait_processed(notifications.register(user_id))
    event = notifications.publish("order.status_changed", status(800, user_id, "delivered", "shipped"))
    for _ in range(3):
        notifications.publish("", {}, event=event)
    follow_up = notifications.publish("order.status_changed", status(801, user_id, "delivered", "shipped"))
    await notifications.wait_processed(event, follow_up)
    # Give the copies time to be delivered and handled (as duplicates) before counting.
    rabbit = RabbitClient()
    try:
        deadline = time.monotonic() + 10
        while rabbit.message_count(notifications.namespace + "order_updates_queue") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        rabbit.close()
    time.sleep(0.5)
    contents = sorted(n["content"] for n in listing(notifications, user_id))
    assert contents == ["Your order #800 has been delivered.", "Your order #801 has been delivered."]


async def test_reading_filters_and_pages(notifications: NotificationsUnderTest) -> None:
    user_id = new_user_id()
    token = token_for(user_id)
    await notifications.wait_processed(notifications.register(user_id))
    events = [notifications.publish("order.placed", placed(900 + n, user_id)) for n in range(5)]
    await notifications.wait_processed(*events)
    everything = listing(notifications, user_id)
    ids = [n["id"] for n in everything]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True)

    mark = "mutation($id: Int!) { markNotificationRead(notificationId: $id) { id read sentAt } }"
    marked = notifications.service.data(mark, {"id": ids[1]}, token)["markNotificationRead"]
    assert marked == {"id": ids[1], "read": True, "sentAt": everything[1]["sentAt"]}
    assert notifications.service.data(mark, {"id": ids[1]}, token)["markNotificationRead"]["read"] is True  # idempotent
    assert [n["id"] for n in listing(notifications, user_id, unread_only=True)] == [ids[0], *ids[2:]]
    assert notifications.service.data("{ unreadNotificationCount }", token=token) == {"unreadNotificationCount": 4}

    page = "query($f: Int!, $o: Int!, $a: Int) { userNotifications(first: $f, offset: $o, after: $a) { id } }"
    assert [n["id"] for n in notifications.service.data(page, {"f": 2, "o": 1}, token)["userNotifications"]] == ids[1:3]
    assert [n["id"] for n in notifications.service.data(page, {"f": 2, "o": 0, "a": ids[1]}, token)["userNotifications"]] == ids[2:4]
    assert notifications.service.data(page, {"f": 2, "o": 0, "a": ids[-1]}, token)["userNotifications"] == []
    for bad in ({"f": 101, "o": 0}, {"f": -1, "o": 0}, {"f": 5, "o": -1}):
        assert error_codes(notifications.service.gql(page, bad, token)) == ["BAD_USER_INPUT"]

    own = notifications.service.data("query($u: Int) { userNotifications(userId: $u) { id } }", {"u": user_id}, token)
    assert len(own["userNotifications"]) == 5
    other = notifications.service.gql("query($u: Int) { userNotifications(userId: $u) { id } }", {"u": user_id + 1}, token)
    assert error_codes(other) == ["FORBIDDEN"]

    assert notifications.service.data("mutation { markAllNotificationsRead }", token=token) == {"markAllNotificationsRead": 4}
    assert notifications.service.data("mutation { markAllNotificationsRead }", token=token) == {"markAllNotificationsRead": 0}
    assert listing(notifications, user_id, unread_only=True) == []


async def test_someone_elses_notification_looks_missing(notifications: NotificationsUnderTest) -> None:
    owner, intruder = new_user_id(), new_user_id()
    await notifications.wait_processed(notifications.register(owner))
    await notifications.wait_processed(notifications.publish("order.placed", placed(950, owner)))
    target = listing(notifications, owner)[0]["id"]
    mark = "mutation($id: Int!) { markNotificationRead(notificationId: $id) { id read } }"
    theirs = notifications.service.gql(mark, {"id": target}, token_for(intruder))
    missing = notifications.service.gql(mark, {"id": 2_000_000_000}, token_for(intruder))
    assert error_codes(theirs) == error_codes(missing) == ["NOT_FOUND"]
    assert theirs["errors"][0]["message"] == f"Notification {target} not found"
    assert missing["errors"][0]["message"] == "Notification 2000000000 not found"
    assert listing(notifications, owner)[0]["read"] is False  # untouched
    assert listing(notifications, intruder) == []

    entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id unreadNotificationCount notifications { id } } } }"
    mine = notifications.service.data(entities, {"r": [{"__typename": "User", "id": owner}]}, token_for(owner))
    assert mine["_entities"] == [{"id": owner, "unreadNotificationCount": 1, "notifications": [{"id": target}]}]
    spying = notifications.service.gql(entities, {"r": [{"__typename": "User", "id": owner}]}, token_for(intruder))
    assert "FORBIDDEN" in error_codes(spying)


def test_everything_personal_needs_a_token(notifications_process: NotificationsUnderTest) -> None:
    for query in (
        "{ userNotifications { id } }",
        "{ unreadNotificationCount }",
        "mutation { markNotificationRead(notificationId: 1) { id } }",
        "mutation { markAllNotificationsRead }",
        'mutation { sendPromotion(promotionInput: {content: "x"}) { id } }',
    ):
        assert error_codes(notifications_process.service.gql(query)) == ["UNAUTHENTICATED"], query


async def test_promotions_go_only_to_users_who_accept_them(notifications: NotificationsUnderTest) -> None:
    fan, refuser, unknown = new_user_id(), new_user_id(), new_user_id()
    await notifications.wait_processed(notifications.register(fan), notifications.register(refuser, promotions=False))
    send = "mutation($i: PromotionInput!) { sendPromotion(promotionInput: $i) { id content recipients sentAt } }"
    content = f"Flash sale for {fan}"

    refused = notifications.service.gql(send, {"i": {"content": content}}, token_for(fan))
    assert error_codes(refused) == ["FORBIDDEN"]
    admin = token_for(new_user_id(), roles=("admin",))
    for bad in ("", "   ", "x" * 1001):
        assert error_codes(notifications.service.gql(send, {"i": {"content": bad}}, admin)) == ["BAD_USER_INPUT"]

    key = f"sale-{fan}"
    sent = notifications.service.data(send, {"i": {"content": f"  {content} ", "idempotencyKey": key}}, admin)["sendPromotion"]
    assert sent["content"] == content and sent["recipients"] >= 1
    assert notifications.service.data(send, {"i": {"content": content, "idempotencyKey": key}}, admin)["sendPromotion"] == sent

    def promotions(user_id: int) -> list[str]:
        return [n["content"] for n in listing(notifications, user_id) if n["type"] == "promotion"]

    assert promotions(fan) == [content]
    assert promotions(refuser) == [] and promotions(unknown) == []

    # The operator command does the same without a token.
    cli_content = f"Operator promo for {fan}"
    result = subprocess.run(
        [sys.executable, "-m", "subgraphs.notifications", "send-promotion", cli_content],
        env={**os.environ, **notifications.service.env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "sent to" in result.stdout
    assert promotions(fan) == [cli_content, content]
    assert promotions(refuser) == []
