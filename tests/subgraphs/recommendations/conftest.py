"""The recommendations service as its own process (SQLite and PostgreSQL), fed raw events."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from subgraphs.common.database import Database
from subgraphs.common.events import Event
from subgraphs.recommendations.models import events as store
from tests.subgraphs.helpers import (
    Service,
    database_url,
    delete_namespace,
    new_namespace,
    publish_event,
    queued_events,
    running,
    subgraph_env,
    wait_processed,
)

_ids = itertools.count(1)
CATEGORIES = ("Electronics", "Books", "Sports")


def next_id() -> int:
    return next(_ids)


@dataclass
class Catalog:
    """A small catalogue of its own per test (unique ids and category names), so tests
    sharing the service never influence each other's rankings."""

    base: int
    products: dict[int, tuple[str, str]] = field(default_factory=dict)

    def id(self, category: int, n: int) -> int:
        return self.base + category * 10 + n

    def category(self, index: int) -> str:
        return f"{CATEGORIES[index]}-{self.base}"


@dataclass
class RecommendationsUnderTest:
    service: Service
    database_url: str
    namespace: str
    database: Database | None = None
    _orders: itertools.count = field(default_factory=lambda: itertools.count(1))

    def publish(self, event_type: str, data: dict[str, Any]) -> Event:
        return publish_event(self.namespace, Event(type=event_type, data=data, source="tests"))

    async def processed(self, *events: Event) -> None:
        assert self.database is not None
        await wait_processed(self.database, store, *events)

    async def catalog(self) -> Catalog:
        catalog = Catalog(base=next_id() * 1000)
        published = []
        for category in range(len(CATEGORIES)):
            for n in range(1, 5):
                product_id = catalog.id(category, n)
                name = f"{CATEGORIES[category]} item {n} ({catalog.base})"
                catalog.products[product_id] = (name, catalog.category(category))
                published.append(
                    self.publish(
                        "product.upserted",
                        {"product_id": product_id, "name": name, "category": catalog.category(category), "price_cents": 1000 + n},
                    )
                )
        await self.processed(*published)
        return catalog

    def preferences(self, user_id: int, recommendations: bool, version: int = 1, registered: bool = True) -> Event:
        data = {
            "user_id": user_id,
            "preferences": {"promotions": True, "order_updates": True, "recommendations": recommendations},
            "preferences_version": version,
        }
        if registered:
            return self.publish("user.registered", {**data, "name": f"User {user_id}"})
        return self.publish("user.preferences_changed", data)

    def order(self, catalog: Catalog, user_id: int, product_ids: list[int], order_id: int | None = None) -> Event:
        order_id = order_id or next_id() * 1000 + 7
        items = [
            {"product_id": p, "name": catalog.products[p][0], "category": catalog.products[p][1], "quantity": 1, "unit_price_cents": 1000}
            for p in product_ids
        ]
        return self.publish(
            "order.placed",
            {"order_id": order_id, "user_id": user_id, "status": "placed", "items": items, "total_cents": 1000 * len(items),
             "placed_at": "2026-11-26T10:00:00+00:00"},
        )

    def created_events(self) -> list[Event]:
        return queued_events(self.namespace + "recommendations_queue")


def start(kind: str, tmp_path_factory: pytest.TempPathFactory, **extra: str) -> Iterator[RecommendationsUnderTest]:
    tmp = tmp_path_factory.mktemp(f"recommendations-{kind}")
    namespace = new_namespace()
    try:
        with database_url(kind, tmp, "recommendations") as url:
            with running("recommendations", subgraph_env(url, namespace, **extra), tmp) as service:
                yield RecommendationsUnderTest(service, url, namespace)
    finally:
        delete_namespace(namespace)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def recommendations_process(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, broker: None
) -> Iterator[RecommendationsUnderTest]:
    # The scheduled refresh is effectively off here; tests call it directly.
    yield from start(request.param, tmp_path_factory, RECOMMENDATION_INTERVAL_SECONDS="3600")


@pytest.fixture
async def recommendations(recommendations_process: RecommendationsUnderTest) -> AsyncIterator[RecommendationsUnderTest]:
    recommendations_process.database = Database(recommendations_process.database_url)
    try:
        yield recommendations_process
    finally:
        await recommendations_process.database.dispose()
        recommendations_process.database = None
