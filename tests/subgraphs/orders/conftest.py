"""The orders service as its own process, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.subgraphs.helpers import Service, database_url, delete_namespace, new_namespace, running, subgraph_env


@dataclass
class OrdersUnderTest:
    service: Service
    database_url: str
    namespace: str


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def orders(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, broker: None) -> Iterator[OrdersUnderTest]:
    tmp = tmp_path_factory.mktemp(f"orders-{request.param}")
    namespace = new_namespace()
    try:
        with database_url(request.param, tmp, "orders") as url:
            # No automatic status changes here: tests move orders themselves.
            env = subgraph_env(url, namespace, ORDER_STATUS_INTERVAL_SECONDS="3600")
            with running("orders", env, tmp) as service:
                yield OrdersUnderTest(service, url, namespace)
    finally:
        delete_namespace(namespace)
