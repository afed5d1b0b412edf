"""Two replicas of the orders service on one PostgreSQL database.

Both run the status job (every 0.3 s here). Each order must still go through
placed -> processing -> shipped -> delivered exactly once, with exactly one published
``order.status_changed`` per step; and the catalogue is seeded (and published) once
although both replicas start on an empty database at the same moment.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from subgraphs.common.database import Database
from subgraphs.common.events import Event
from subgraphs.orders.models import OrderRow, events
from tests.subgraphs.helpers import Service, delete_namespace, new_namespace, subgraph_env, token_for
from tests.support.databases import postgres_database
from tests.support.rabbit import RabbitClient

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]

ORDERS = 40


async def test_two_replicas_never_advance_or_publish_a_step_twice(tmp_path: Path, broker: None) -> None:
    namespace = new_namespace()
    with postgres_database("orders_replicas") as url:
        env = subgraph_env(url, namespace, ORDER_STATUS_INTERVAL_SECONDS="0.3")
        replicas = [Service("orders", env, tmp_path / f"orders-{n}.log") for n in (1, 2)]
        database = Database(url)
        try:
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda replica: replica.start(), replicas))
            token = token_for(4242)
            placed = []
            for n in range(ORDERS):
                replica = replicas[n % 2]
                items = [{"productId": 1 + n % 60, "quantity": 1}]
                placed.append(
                    replica.data("mutation($i: OrderInput!) { placeOrder(orderInput: $i) { id } }", {"i": {"items": items}}, token)[
                        "placeOrder"
                    ]["id"]
                )

            async def all_delivered() -> bool:
                async with database.session() as session:
                    statuses = (await session.scalars(select(OrderRow.status))).all()
                return len(statuses) == ORDERS and set(statuses) == {"delivered"}

            deadline = time.monotonic() + 30
            while not await all_delivered():
                assert time.monotonic() < deadline, "orders did not reach delivered"
                time.sleep(0.2)
            time.sleep(1.0)  # more job runs on both replicas: nothing may move any more

            # The outbox: one status change per step, all published.
            async with database.session() as session:
                rows = (await session.execute(select(events.outbox.c.body, events.outbox.c.published_at).order_by(events.outbox.c.seq))).all()
            deadline = time.monotonic() + 10
            while any(published is None for _body, published in rows):
                assert time.monotonic() < deadline, "outbox not drained"
                time.sleep(0.2)
                async with database.session() as session:
                    rows = (await session.execute(select(events.outbox.c.body, events.outbox.c.published_at).order_by(events.outbox.c.seq))).all()
            outbox = [Event.from_json(body) for body, _published in rows]
        finally:
            for replica in replicas:
                replica.stop()
            await database.dispose()

        steps: dict[int, list[str]] = defaultdict(list)
        for event in outbox:
            if event.type == "order.status_changed":
                steps[event.data["order_id"]].append(event.data["status"])
        assert sorted(steps) == sorted(placed)
        assert all(sequence == ["processing", "shipped", "delivered"] for sequence in steps.values()), steps
        assert sum(1 for event in outbox if event.type == "product.upserted") == 60

        # What reached the broker: the same, once each.
        client = RabbitClient()
        try:
            delivered = [Event.from_json(body) for body in client.drain(namespace + "order_updates_queue")]
            catalog = client.drain(namespace + "recommendations.catalog")
        finally:
            client.close()
            delete_namespace(namespace)
        per_order: dict[int, list[str]] = defaultdict(list)
        for event in delivered:
            per_order[event.data["order_id"]].append(event.data["status"])
        assert all(sequence == ["placed", "processing", "shipped", "delivered"] for sequence in per_order.values())
        assert len(per_order) == ORDERS
        assert len(catalog) == 60
