"""The notifications service as its own process (SQLite and PostgreSQL), fed raw events."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from subgraphs.common.database import Database
from subgraphs.common.events import Event
from subgraphs.notifications.models import events as store
from tests.subgraphs.helpers import (
    Service,
    database_url,
    delete_namespace,
    new_namespace,
    publish_event,
    running,
    subgraph_env,
    wait_processed,
)

_user_ids = itertools.count(20_000)


def new_user_id() -> int:
    return next(_user_ids)


@dataclass
class NotificationsUnderTest:
    service: Service
    database_url: str
    namespace: str
    database: Database | None = None

    def publish(self, event_type: str, data: dict[str, Any], event: Event | None = None) -> Event:
        return publish_event(self.namespace, event or Event(type=event_type, data=data, source="tests"))

    def register(self, user_id: int, version: int = 1, **preferences: bool) -> Event:
        prefs = {"promotions": True, "order_updates": True, "recommendations": True, **preferences}
        return self.publish(
            "user.registered",
            {"user_id": user_id, "name": f"User {user_id}", "preferences": prefs, "preferences_version": version},
        )

    def change_preferences(self, user_id: int, version: int, **preferences: bool) -> Event:
        prefs = {"promotions": True, "order_updates": True, "recommendations": True, **preferences}
        return self.publish(
            "user.preferences_changed", {"user_id": user_id, "preferences": prefs, "preferences_version": version}
        )

    async def wait_processed(self, *published: Event, timeout: float = 15.0) -> None:
        assert self.database is not None
        await wait_processed(self.database, store, *published, timeout=timeout)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def notifications_process(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, broker: None
) -> Iterator[NotificationsUnderTest]:
    tmp = tmp_path_factory.mktemp(f"notifications-{request.param}")
    namespace = new_namespace()
    try:
        with database_url(request.param, tmp, "notifications") as url:
            with running("notifications", subgraph_env(url, namespace), tmp) as service:
                yield NotificationsUnderTest(service, url, namespace)
    finally:
        delete_namespace(namespace)


@pytest.fixture
async def notifications(notifications_process: NotificationsUnderTest) -> AsyncIterator[NotificationsUnderTest]:
    """The module's service, with a database handle on the test's own event loop."""
    notifications_process.database = Database(notifications_process.database_url)
    try:
        yield notifications_process
    finally:
        await notifications_process.database.dispose()
        notifications_process.database = None
