"""Running our subgraphs as real processes and talking GraphQL to them over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pika
from sqlalchemy import select

from subgraphs.common.auth import create_access_token
from subgraphs.common.database import Database
from subgraphs.common.events import Event
from subgraphs.common.events.store import EventStore
from subgraphs.common.events.topology import EXCHANGE
from subgraphs.common.settings import load_settings
from tests.conftest import TEST_SECRET_KEY, service_env
from tests.support.databases import postgres_database
from tests.support.rabbit import RabbitClient
from tests.support.servers import ServiceProcess


def token_for(user_id: int, roles: tuple[str, ...] = ()) -> str:
    """A token as the users service would mint it (same secret as the services under test)."""
    settings = load_settings("tests", {"SECRET_KEY": TEST_SECRET_KEY})
    return create_access_token(settings, user_id, roles)


def error_codes(result: Mapping[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in result.get("errors", [])]


class Service:
    """One subgraph process and an HTTP client for its /graphql."""

    def __init__(self, name: str, env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.env = dict(env)
        self.log_path = log_path
        self.process = ServiceProcess(["-m", f"subgraphs.{name}"], self.env, log_path=str(log_path))
        self.client: httpx.Client | None = None

    @property
    def url(self) -> str:
        return self.process.url

    def start(self) -> Service:
        self.process.start()
        self.client = httpx.Client(base_url=self.process.url, timeout=30)
        return self

    def stop(self, kill: bool = False) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        self.process.stop(kill=kill)

    def restart(self) -> Service:
        """Start again on the same port, database and queues."""
        self.process = ServiceProcess(
            ["-m", f"subgraphs.{self.name}"], self.env, port=self.process.port, log_path=str(self.log_path)
        )
        return self.start()

    def post(self, query: str, variables: Mapping[str, Any] | None = None, token: str | None = None) -> httpx.Response:
        assert self.client is not None, f"{self.name} is not running"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.post("/graphql", json={"query": query, "variables": dict(variables or {})}, headers=headers)

    def gql(self, query: str, variables: Mapping[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        response = self.post(query, variables, token)
        assert response.headers["content-type"].startswith("application/json"), response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: Mapping[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        """The ``data`` of a query that must succeed."""
        body = self.gql(query, variables, token)
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]


def new_namespace() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


def delete_namespace(namespace: str) -> None:
    client = RabbitClient()
    try:
        client.delete_namespace(namespace)
    finally:
        client.close()


@contextlib.contextmanager
def database_url(kind: str, tmp: Path, name: str) -> Iterator[str]:
    """A fresh database for one service: a SQLite file under ``tmp`` or a new PostgreSQL database."""
    if kind == "postgres":
        with postgres_database(name) as url:
            yield url
    else:
        yield f"sqlite:///{tmp}/{name}.db"


def subgraph_env(database: str, namespace: str, **extra: str) -> dict[str, str]:
    return service_env(database, namespace, **extra)


@contextlib.contextmanager
def running(name: str, env: Mapping[str, str], tmp: Path) -> Iterator[Service]:
    service = Service(name, env, tmp / f"{name}.log").start()
    try:
        yield service
    finally:
        service.stop()


def publish_event(namespace: str, event: Event) -> Event:
    """Publish like a producer's relay would: persistent, on the namespace's exchange."""
    client = RabbitClient()
    try:
        client.channel.basic_publish(
            namespace + EXCHANGE,
            event.type,
            event.to_json(),
            pika.BasicProperties(delivery_mode=2, content_type="application/json", message_id=event.id),
        )
    finally:
        client.close()
    return event


async def wait_processed(database: Database, store: EventStore, *published: Event, timeout: float = 15.0) -> None:
    """Until the service has committed the handling of every event (its inbox rows)."""
    wanted = {event.id for event in published}
    deadline = time.monotonic() + timeout
    while True:
        async with database.session() as session:
            done = set((await session.scalars(select(store.inbox.c.event_id).where(store.inbox.c.event_id.in_(wanted)))).all())
        if done == wanted:
            return
        assert time.monotonic() < deadline, f"events not processed: {wanted - done}"
        await asyncio.sleep(0.05)


def queued_events(queue: str) -> list[Event]:
    """Take every message waiting in ``queue`` (a queue nobody consumes in the test)."""
    client = RabbitClient()
    try:
        return [Event.from_json(body) for body in client.drain(queue)]
    finally:
        client.close()
