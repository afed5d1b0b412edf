"""The original testing workflow, automated: every service its own process, real broker.

register, login, place 3 orders, see "placed" notifications, see the automatic status
updates, mark one read, see personalised recommendations and their notifications; a
user with recommendations off gets none; a user with order updates off gets no order
notifications; promotions reach only users who accept them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.subgraphs.helpers import error_codes
from tests.system.conftest import Cluster, settled, wait_for

pytestmark = [pytest.mark.system, pytest.mark.rabbitmq, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
WIRELESS_MOUSE, MOUSE_PAD, DDIA, YOGA_MAT = 1, 4, 21, 31
ORDER_MESSAGE = re.compile(r"^Your order #(\d+) (has been placed|is being processed|has shipped|has been delivered)")
STAGES = {
    "has been placed": "placed",
    "is being processed": "processing",
    "has shipped": "shipped",
    "has been delivered": "delivered",
}


def order_stages(notifications: list[dict]) -> list[tuple[int, str]]:
    stages = []
    for notification in notifications:
        if notification["type"] == "order_update":
            match = ORDER_MESSAGE.match(notification["content"])
            assert match, notification["content"]
            stages.append((int(match.group(1)), STAGES[match.group(2)]))
    return sorted(stages)


def test_original_workflow(cluster: Cluster) -> None:
    # Another customer buys a mouse with a mouse pad: "bought together" data for later.
    _other_id, other_token, _ = cluster.register("Olga Other")
    cluster.place_order(other_token, [{"productId": WIRELESS_MOUSE, "quantity": 1}, {"productId": MOUSE_PAD, "quantity": 1}])
    wait_for(lambda: cluster.recommendations_of(other_token), message="the other customer's order to be learned")

    user_id, token, _ = cluster.register("Alice Example")
    placed = [
        cluster.place_order(token, [{"productId": WIRELESS_MOUSE, "quantity": 1}]),
        cluster.place_order(token, [{"productId": DDIA, "quantity": 2}]),
        cluster.place_order(token, [{"productId": YOGA_MAT, "quantity": 1}]),
    ]
    assert [order["status"] for order in placed] == ["placed"] * 3
    assert {order["userId"] for order in placed} == {user_id}
    order_ids = sorted(order["id"] for order in placed)

    # "placed" notifications, then the automatic status changes, each exactly once.
    wait_for(
        lambda: {(oid, "placed") for oid in order_ids} <= set(order_stages(cluster.notifications_of(token))),
        message="placed notifications",
    )
    expected = sorted((oid, stage) for oid in order_ids for stage in STAGES.values())
    stages = settled(lambda: order_stages(cluster.notifications_of(token)), lambda value: value == expected, timeout=40)
    assert stages == expected
    assert {order["status"] for order in cluster.orders_of(token)} == {"delivered"}

    # Mark one read: it reads back read, the others stay unread.
    notifications = cluster.notifications_of(token)
    assert all(n["userId"] == user_id and not n["read"] for n in notifications)
    chosen = notifications[-1]
    marked = cluster.notifications.data(
        "mutation($id: Int!) { markNotificationRead(notificationId: $id) { id read sentAt } }", {"id": chosen["id"]}, token
    )["markNotificationRead"]
    assert marked == {"id": chosen["id"], "read": True, "sentAt": chosen["sentAt"]}
    after = {n["id"]: n["read"] for n in cluster.notifications_of(token)}
    assert after[chosen["id"]] is True
    assert sum(1 for read in after.values() if not read) == len(after) - 1
    unread = cluster.notifications.data("{ unreadNotificationCount }", token=token)["unreadNotificationCount"]
    assert unread == len(after) - 1

    # Personalised recommendations, each announced by exactly one notification.
    names = cluster.product_names()
    recommendations = wait_for(lambda: cluster.recommendations_of(token), message="recommendations")
    products = [r["productId"] for r in recommendations]
    assert len(products) == len(set(products))
    assert not {WIRELESS_MOUSE, DDIA, YOGA_MAT} & set(products), "never recommend what was bought"
    by_product = {r["productId"]: r for r in recommendations}
    assert by_product[MOUSE_PAD]["reason"] == "Often bought with Wireless Mouse"
    assert all(r["userId"] == user_id and r["product"] == {"id": r["productId"]} for r in recommendations)

    def recommendation_messages() -> list[str]:
        return sorted(n["content"] for n in cluster.notifications_of(token) if n["type"] == "recommendation")

    def expected_messages() -> list[str]:
        return sorted(
            f"Recommended for you: {names[r['productId']]}. {r['reason']}." for r in cluster.recommendations_of(token)
        )

    messages = settled(lambda: (recommendation_messages(), expected_messages()), lambda v: v[0] == v[1], timeout=30)
    assert messages[0] == messages[1] and len(messages[0]) >= 2


def test_preferences_decide_who_is_notified(cluster: Cluster) -> None:
    no_recs_id, no_recs_token, _ = cluster.register("Rob Norecs", recommendations=False)
    no_updates_id, no_updates_token, _ = cluster.register("Una Noupdates", orderUpdates=False)
    cluster.place_order(no_recs_token, [{"productId": WIRELESS_MOUSE, "quantity": 1}])
    cluster.place_order(no_updates_token, [{"productId": WIRELESS_MOUSE, "quantity": 1}])

    # The order-updates opt-out still gets recommendations (proof its order events were
    # handled), but not one order notification.
    wait_for(
        lambda: [n for n in cluster.notifications_of(no_updates_token) if n["type"] == "recommendation"],
        message="recommendation notifications for the order-updates opt-out",
    )
    assert cluster.recommendations_of(no_updates_token)

    # The recommendations opt-out gets every order notification but no recommendation,
    # not even from the scheduled refresh that runs every couple of seconds.
    wait_for(
        lambda: any("has been delivered" in n["content"] for n in cluster.notifications_of(no_recs_token)),
        timeout=40,
        message="order notifications for the recommendations opt-out",
    )
    wait_for(lambda: any(o["status"] == "delivered" for o in cluster.orders_of(no_updates_token)), timeout=40)
    notifications = settled(lambda: cluster.notifications_of(no_recs_token), lambda _v: True, quiet=2.5)
    assert {n["type"] for n in notifications} == {"order_update"}
    assert len(notifications) == 4
    assert cluster.recommendations_of(no_recs_token) == []
    assert [n for n in cluster.notifications_of(no_updates_token) if n["type"] == "order_update"] == []
    assert {n["userId"] for n in notifications} == {no_recs_id}
    assert no_updates_id != no_recs_id


def test_promotions_reach_only_users_who_accept_them(cluster: Cluster) -> None:
    fan_id, fan_token, _ = cluster.register("Fiona Fan")
    quiet_id, quiet_token, _ = cluster.register("Quentin Quiet", promotions=False)
    admin_id, user_token, admin_email = cluster.register("Ada Admin")

    # Not an admin yet: refused.
    send = "mutation($i: PromotionInput!) { sendPromotion(promotionInput: $i) { id content recipients } }"
    refused = cluster.notifications.gql(send, {"i": {"content": "Early bird"}}, user_token)
    assert error_codes(refused) == ["FORBIDDEN"]

    # The operator makes Ada an admin (users CLI); her new token carries the role.
    result = subprocess.run(
        [sys.executable, "-m", "subgraphs.users", "grant-role", admin_email, "admin"],
        env={**os.environ, **cluster.users.env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    admin_token = cluster.login(admin_email)

    # Wait until notifications knows all three users' preferences (registrations travel
    # as events): an order notification only appears once they are known.
    for token in (fan_token, quiet_token, admin_token):
        cluster.place_order(token, [])
        wait_for(lambda token=token: cluster.notifications_of(token), message="preferences to reach notifications")

    content = f"Spring sale {fan_id}: 20% off everything"
    sale = cluster.notifications.data(send, {"i": {"content": content, "idempotencyKey": f"sale-{fan_id}"}}, admin_token)
    assert sale["sendPromotion"]["content"] == content
    assert sale["sendPromotion"]["recipients"] >= 2  # the fan, the admin, and earlier tests' users
    again = cluster.notifications.data(send, {"i": {"content": content, "idempotencyKey": f"sale-{fan_id}"}}, admin_token)
    assert again == sale, "the same idempotency key must not send twice"

    def promotions(token: str) -> list[str]:
        return [n["content"] for n in cluster.notifications_of(token) if n["type"] == "promotion"]

    assert promotions(fan_token) == [content]
    assert promotions(admin_token) == [content]
    assert promotions(quiet_token) == []
    assert quiet_id != admin_id
