"""Outbox, relay and consumers against the real RabbitMQ broker.

Outages are made with a TCP proxy in front of the broker (cut = every connection
dropped and the port closed), so the shared broker itself keeps running.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pika
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.events import Event
from subgraphs.common.runtime import ServiceDefinition, ServiceRuntime
from subgraphs.common.events.store import EventStore
from subgraphs.common.settings import load_settings
from subgraphs.users.schema import schema as any_schema
from tests.conftest import service_env
from tests.support.rabbit import RabbitClient
from tests.support.servers import wait_until
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.rabbitmq

QUEUE = "notifications.user_events"  # any queue of the topology; the namespace isolates it

metadata = MetaData()
seen = Table("seen", metadata, Column("user_id", Integer, primary_key=True), Column("count", Integer, nullable=False))
audit = Table("audit", metadata, Column("id", Integer, primary_key=True, autoincrement=True), Column("note", String(50)))
store = EventStore(metadata, source="test")


class Recorder:
    """The handler under test: counts applications per user id in the consumer's database."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail_for: set[int] = set()

    async def handle(self, session: AsyncSession, event: Event) -> None:
        self.calls += 1
        user_id = int(event.data["user_id"])
        if user_id in self.fail_for:
            raise RuntimeError(f"cannot handle user {user_id}")
        current = await session.scalar(select(seen.c.count).where(seen.c.user_id == user_id))
        if current is None:
            await session.execute(seen.insert().values(user_id=user_id, count=1))
        else:
            await session.execute(update(seen).where(seen.c.user_id == user_id).values(count=current + 1))


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    p = TcpProxy("127.0.0.1", 5672).start()
    yield p
    p.close()


def make_runtime(tmp_path: Any, namespace: str, proxy: TcpProxy, recorder: Recorder | None, **extra: str) -> ServiceRuntime:
    env = service_env(f"sqlite:///{tmp_path}/svc.db", namespace, **extra)
    env["AMQP_URL"] = f"amqp://guest:guest@127.0.0.1:{proxy.port}/%2F"
    settings = load_settings("testsvc", env)
    consumers = None
    if recorder is not None:
        consumers = lambda _runtime: {QUEUE: {"user.registered": recorder.handle}}  # noqa: E731
    definition = ServiceDefinition(name="testsvc", schema=any_schema, metadata=metadata, store=store, consumers=consumers)
    return ServiceRuntime(definition, settings)


@pytest.fixture
async def rabbit() -> AsyncIterator[RabbitClient]:
    client = RabbitClient()
    yield client
    client.close()


async def produce(runtime: ServiceRuntime, user_id: int) -> Event:
    async with runtime.database.transaction() as session:
        await session.execute(audit.insert().values(note=f"user {user_id}"))
        return await store.enqueue(session, "user.registered", {"user_id": user_id})


async def outbox_pending(runtime: ServiceRuntime) -> int:
    async with runtime.database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(store.outbox).where(store.outbox.c.published_at.is_(None))) or 0)


def publish_raw(namespace: str, body: bytes, routing_key: str = "user.registered") -> None:
    client = RabbitClient()
    try:
        client.channel.basic_publish(namespace + "events", routing_key, body, pika.BasicProperties(delivery_mode=2))
    finally:
        client.close()


async def test_event_committed_during_outage_is_delivered_after_broker_returns(
    tmp_path: Any, event_namespace: str, proxy: TcpProxy, rabbit: RabbitClient
) -> None:
    producer = make_runtime(tmp_path, event_namespace, proxy, None)
    # Declare the topology first so the queue exists; then cut the broker off.
    await producer.publisher.ensure_connected()
    await producer.publisher.close()
    producer = make_runtime(tmp_path, event_namespace, proxy, None)
    proxy.cut()
    await producer.start()
    try:
        event = await produce(producer, 1)
        # The business change and its event are committed; the event waits in the outbox
        # while the relay keeps failing to reach the broker.
        await asyncio.sleep(1.0)
        assert await outbox_pending(producer) == 1
        assert producer.relay.published_total == 0
        healthy, report = await producer.health()
        assert healthy and report["broker"] == "unreachable"

        proxy.start()
        properties, body = await wait_until_message(rabbit, event_namespace + QUEUE)
        delivered = Event.from_json(body)
        assert delivered.id == event.id and delivered.type == "user.registered"
        assert properties.delivery_mode == 2  # persistent
        await wait_until(lambda: outbox_pending_is_zero(producer), timeout=10)
    finally:
        await producer.stop()


async def outbox_pending_is_zero(runtime: ServiceRuntime) -> bool:
    return await outbox_pending(runtime) == 0


async def wait_until_message(rabbit: RabbitClient, queue: str, timeout: float = 20.0) -> tuple[Any, bytes]:
    async def poll() -> tuple[Any, bytes] | None:
        method, properties, body = rabbit.channel.basic_get(queue, auto_ack=True)
        return (properties, body) if method is not None else None

    return await wait_until(poll, timeout=timeout)


async def test_redelivered_event_is_applied_once(
    tmp_path: Any, event_namespace: str, proxy: TcpProxy, rabbit: RabbitClient
) -> None:
    recorder = Recorder()
    consumer = make_runtime(tmp_path, event_namespace, proxy, recorder)
    await consumer.start()
    try:
        await wait_until(lambda: all(c.connected for c in consumer.consumers))
        event = Event(type="user.registered", data={"user_id": 7})
        for _ in range(3):  # the broker redelivering, or a producer republishing after a crash
            publish_raw(event_namespace, event.to_json())
        other = Event(type="user.registered", data={"user_id": 8})
        publish_raw(event_namespace, other.to_json())
        stats = consumer.consumers[0].stats
        await wait_until(lambda: stats["handled"] + stats["duplicates"] == 4)
        async with consumer.database.session() as session:
            counts = dict((await session.execute(select(seen.c.user_id, seen.c.count))).all())
        assert counts == {7: 1, 8: 1}
        assert stats == {"handled": 2, "duplicates": 2, "retried": 0, "dead_lettered": 0}
        await wait_until(lambda: rabbit.message_count(event_namespace + QUEUE) == 0)
    finally:
        await consumer.stop()


async def test_poison_messages_end_in_the_dead_letter_queue(
    tmp_path: Any, event_namespace: str, proxy: TcpProxy, rabbit: RabbitClient
) -> None:
    recorder = Recorder()
    recorder.fail_for = {13}
    consumer = make_runtime(
        tmp_path, event_namespace, proxy, recorder, CONSUMER_MAX_ATTEMPTS="3", CONSUMER_RETRY_DELAY_MS="50"
    )
    await consumer.start()
    try:
        await wait_until(lambda: all(c.connected for c in consumer.consumers))
        publish_raw(event_namespace, b"{this is not an envelope")
        failing = Event(type="user.registered", data={"user_id": 13})
        publish_raw(event_namespace, failing.to_json())
        healthy_event = Event(type="user.registered", data={"user_id": 14})
        publish_raw(event_namespace, healthy_event.to_json())

        dead_queue = event_namespace + QUEUE + ".dead"
        await wait_until(lambda: rabbit.message_count(dead_queue) == 2, timeout=20)
        bodies = rabbit.drain(dead_queue)
        assert b"{this is not an envelope" in bodies
        envelopes = [Event.from_json(b) for b in bodies if b.startswith(b'{"')]
        assert [e.id for e in envelopes] == [failing.id]
        stats = consumer.consumers[0].stats
        assert stats["retried"] == 2 and stats["dead_lettered"] == 2
        # The handler ran exactly max_attempts times for the failing event and nothing was applied for it.
        async with consumer.database.session() as session:
            counts = dict((await session.execute(select(seen.c.user_id, seen.c.count))).all())
        assert counts == {14: 1}
        assert recorder.calls == 3 + 1
    finally:
        await consumer.stop()


async def test_consumer_reconnects_after_connection_loss(
    tmp_path: Any, event_namespace: str, proxy: TcpProxy, rabbit: RabbitClient
) -> None:
    recorder = Recorder()
    consumer = make_runtime(tmp_path, event_namespace, proxy, recorder)
    await consumer.start()
    try:
        await wait_until(lambda: all(c.connected for c in consumer.consumers))
        proxy.cut()
        await wait_until(lambda: not consumer.consumers[0].connected)
        publish_raw(event_namespace, Event(type="user.registered", data={"user_id": 21}).to_json())
        proxy.start()
        await wait_until(lambda: consumer.consumers[0].stats["handled"] == 1, timeout=20)
        healthy, report = await consumer.health()
        assert healthy and report["consumers"][QUEUE] == "connected"
    finally:
        await consumer.stop()


async def test_producer_and_consumer_end_to_end_through_outbox(
    tmp_path: Any, event_namespace: str, proxy: TcpProxy
) -> None:
    recorder = Recorder()
    runtime = make_runtime(tmp_path, event_namespace, proxy, recorder)
    await runtime.start()
    try:
        await wait_until(lambda: all(c.connected for c in runtime.consumers))
        for user_id in range(1, 21):
            await produce(runtime, user_id)
        await wait_until(lambda: runtime.consumers[0].stats["handled"] == 20, timeout=20)
        async with runtime.database.session() as session:
            assert await session.scalar(select(func.count()).select_from(seen)) == 20
    finally:
        await runtime.stop()


def test_topology_delete_removes_everything_declare_made(rabbit: RabbitClient) -> None:
    from subgraphs.common.events.topology import QUEUES, Topology

    topology = Topology(f"t{uuid.uuid4().hex[:8]}.")
    topology.declare(rabbit.channel)
    names = [name for spec in QUEUES for name in
             (topology.queue(spec.name), topology.retry_queue(spec.name), topology.dead_queue(spec.name))]
    assert all(rabbit.message_count(name) == 0 for name in names)  # passive declare: they exist
    topology.delete(rabbit.channel)
    for name in names:
        channel = rabbit.connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker):  # 404 NOT_FOUND
            channel.queue_declare(name, passive=True)
    for exchange in (topology.exchange, topology.dead_letter_exchange):
        channel = rabbit.connection.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker):
            channel.exchange_declare(exchange, passive=True)
