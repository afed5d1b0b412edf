"""Fixtures shared by every test area: settings, broker namespace, databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.rabbit import AMQP_URL, RabbitClient, rabbitmq_available

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs512-too-0123456789abcdef"


def service_env(database_url: str, namespace: str, **extra: str) -> dict[str, str]:
    """Environment for a subgraph under test."""
    return {
        "SECRET_KEY": TEST_SECRET_KEY,
        "ALGORITHM": "HS256",
        "DATABASE_URL": database_url,
        "AMQP_URL": AMQP_URL,
        "EVENT_NAMESPACE": namespace,
        "FAST_PASSWORD_HASHING": "true",
        "OUTBOX_POLL_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@pytest.fixture(scope="session")
def broker() -> None:
    if not rabbitmq_available():
        pytest.fail(f"RabbitMQ is not reachable at {AMQP_URL}: start it (rabbitmq-server -detached)")


@pytest.fixture
def event_namespace(broker: None) -> Iterator[str]:
    """A unique exchange/queue prefix for one test, deleted afterwards."""
    namespace = f"t{uuid.uuid4().hex[:10]}."
    yield namespace
    client = RabbitClient()
    try:
        client.delete_namespace(namespace)
    finally:
        client.close()
