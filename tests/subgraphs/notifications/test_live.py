"""``Subscription.notificationAdded``: live pushes over graphql-transport-ws, across replicas.

Two notifications processes share one PostgreSQL database and the event queues (as two
replicas do); a subscriber connected to one of them must see what the other creates.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from subgraphs.common.database import Database
from subgraphs.common.events import Event
from subgraphs.notifications.models import events as store
from tests.subgraphs.helpers import (
    Service,
    delete_namespace,
    new_namespace,
    publish_event,
    subgraph_env,
    token_for,
    wait_processed,
)
from tests.subgraphs.notifications.conftest import new_user_id
from tests.support.databases import postgres_database
from tests.support.graphql_ws import GraphQLWebSocket, graphql_ws

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]

SUBSCRIBE = "subscription { notificationAdded { id userId type content sentAt read } }"
LIST = "{ userNotifications { id userId type content sentAt read } }"
_order_ids = itertools.count(7_000)


@dataclass
class Replicas:
    first: Service
    second: Service
    database_url: str
    namespace: str

    def publish(self, event_type: str, data: dict[str, Any]) -> Event:
        return publish_event(self.namespace, Event(type=event_type, data=data, source="tests"))

    def register(self, user_id: int, **preferences: bool) -> Event:
        prefs = {"promotions": True, "order_updates": True, "recommendations": True, **preferences}
        return self.publish(
            "user.registered",
            {"user_id": user_id, "name": f"User {user_id}", "preferences": prefs, "preferences_version": 1},
        )

    def order_placed(self, user_id: int) -> Event:
        order_id = next(_order_ids)
        return self.publish(
            "order.placed",
            {"order_id": order_id, "user_id": user_id, "status": "placed", "items": [], "total_cents": 0,
             "placed_at": "2026-11-26T10:00:00+00:00"},
        )

    async def processed(self, *published: Event) -> None:
        database = Database(self.database_url)
        try:
            await wait_processed(database, store, *published)
        finally:
            await database.dispose()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, broker: None) -> Iterator[Replicas]:
    tmp: Path = tmp_path_factory.mktemp("notifications-live")
    namespace = new_namespace()
    try:
        with postgres_database("notifications_live") as url:
            env = subgraph_env(url, namespace)
            first = Service("notifications", env, tmp / "first.log").start()
            try:
                second = Service("notifications", env, tmp / "second.log").start()
                try:
                    yield Replicas(first, second, url, namespace)
                finally:
                    second.stop()
            finally:
                first.stop()
    finally:
        delete_namespace(namespace)


@pytest.fixture
async def user(replicas: Replicas) -> AsyncIterator[int]:
    user_id = new_user_id()
    await replicas.processed(replicas.register(user_id))
    yield user_id


async def subscribed(ws: GraphQLWebSocket, token: str, operation_id: str = "1") -> None:
    assert (await ws.init({"Authorization": f"Bearer {token}"}))["type"] == "connection_ack"
    await ws.subscribe(operation_id, SUBSCRIBE)
    await asyncio.sleep(0.3)  # the subscription is registered once the resolver runs


async def pushes(ws: GraphQLWebSocket, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    found = []
    for _ in range(count):
        message = await ws.receive(timeout)
        assert message["type"] == "next", message
        found.append(message["payload"]["data"]["notificationAdded"])
    return found


async def test_own_notifications_arrive_and_others_do_not(replicas: Replicas, user: int) -> None:
    stranger = new_user_id()
    await replicas.processed(replicas.register(stranger))
    async with graphql_ws(replicas.second.url + "/graphql") as ws:
        await subscribed(ws, token_for(user))
        replicas.order_placed(stranger)
        mine = replicas.order_placed(user)
        [pushed] = await pushes(ws, 1)
        await replicas.processed(mine)
        stored = replicas.second.data(LIST, token=token_for(user))["userNotifications"]
        assert pushed == stored[0]  # the same JSON as the userNotifications item
        assert pushed["content"].startswith("Your order #") and pushed["userId"] == user
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=1.0)  # the stranger's notification never came


async def test_every_replica_pushes_to_a_subscriber_on_another(replicas: Replicas, user: int) -> None:
    """Events are split between the replicas; a promotion is created by the one that got the mutation."""
    async with graphql_ws(replicas.second.url + "/graphql") as ws:
        await subscribed(ws, token_for(user))
        orders = [replicas.order_placed(user) for _ in range(6)]
        admin = token_for(new_user_id(), roles=("admin",))
        replicas.first.data(
            'mutation { sendPromotion(promotionInput: {content: "Live sale"}) { recipients } }', token=admin
        )
        pushed = await pushes(ws, 7)
        await replicas.processed(*orders)
        stored = replicas.first.data(LIST, token=token_for(user))["userNotifications"]
        assert sorted(p["id"] for p in pushed) == sorted(n["id"] for n in stored)
        assert "Live sale" in [p["content"] for p in pushed]


async def test_a_bad_token_is_refused(replicas: Replicas) -> None:
    async with graphql_ws(replicas.first.url + "/graphql") as ws:
        await ws.send({"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}})
        assert (await ws.closed())[0] == 4403
    async with graphql_ws(replicas.first.url + "/graphql", headers={"Authorization": "Bearer forged"}) as ws:
        await ws.send({"type": "connection_init", "payload": {}})
        assert (await ws.closed())[0] == 4403


async def test_the_token_may_come_in_the_upgrade_request(replicas: Replicas, user: int) -> None:
    async with graphql_ws(replicas.first.url + "/graphql", headers={"Authorization": f"Bearer {token_for(user)}"}) as ws:
        assert (await ws.init())["type"] == "connection_ack"
        await ws.subscribe("a", SUBSCRIBE)
        await asyncio.sleep(0.3)
        replicas.order_placed(user)
        [pushed] = await pushes(ws, 1)
        assert pushed["userId"] == user


async def test_anonymous_subscribers_get_an_error(replicas: Replicas) -> None:
    async with graphql_ws(replicas.first.url + "/graphql") as ws:
        assert (await ws.init())["type"] == "connection_ack"
        await ws.subscribe("a", SUBSCRIBE)
        message = await ws.receive()
        assert message["type"] in ("error", "next"), message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", errors


async def test_a_promotion_sent_by_the_operator_cli_is_pushed(replicas: Replicas, user: int) -> None:
    env = {**os.environ, **subgraph_env(replicas.database_url, replicas.namespace)}
    async with graphql_ws(replicas.first.url + "/graphql") as ws:
        await subscribed(ws, token_for(user))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "subgraphs.notifications", "send-promotion", "Operator sale", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await process.communicate()
        assert process.returncode == 0 and not stderr, stderr
        [pushed] = await pushes(ws, 1)
        assert (pushed["type"], pushed["content"], pushed["userId"]) == ("promotion", "Operator sale", user)
