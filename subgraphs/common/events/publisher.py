"""Publishing with publisher confirms from asyncio code.

pika connections are not thread-safe, so one dedicated thread owns the publishing
connection and every call goes through it. A publish returns only after the broker
confirmed every message (persistent, so it survives a broker restart); any failure
raises ``BrokerUnavailable`` and drops the connection, to be rebuilt on the next call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pika

from subgraphs.common.events.broker import CONNECTION_ERRORS, connection_parameters
from subgraphs.common.events.topology import Topology

log = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The broker could not be reached or did not confirm; try again later."""


@dataclass(frozen=True)
class OutgoingMessage:
    event_id: str
    routing_key: str
    body: bytes


class EventPublisher:
    def __init__(self, amqp_url: str, topology: Topology) -> None:
        self._params = connection_parameters(amqp_url)
        self._topology = topology
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="amqp-publisher")
        self._connection: pika.BlockingConnection | None = None
        self._channel: pika.adapters.blocking_connection.BlockingChannel | None = None

    @property
    def connected(self) -> bool:
        return self._connection is not None and self._connection.is_open

    async def _call(self, fn: object, *args: object) -> object:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)  # type: ignore[arg-type]

    async def ensure_connected(self) -> None:
        await self._call(self._ensure_connected)

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        await self._call(self._publish, list(messages))

    async def keepalive(self) -> None:
        """Service heartbeats of an idle connection so the broker does not drop it."""
        await self._call(self._keepalive)

    async def close(self) -> None:
        await self._call(self._drop)
        self._executor.shutdown(wait=True)

    # -- runs on the publisher thread ------------------------------------------------

    def _ensure_connected(self) -> None:
        if self._connection is not None and self._connection.is_open and self._channel and self._channel.is_open:
            return
        self._drop()
        try:
            connection = pika.BlockingConnection(self._params)
            channel = connection.channel()
            channel.confirm_delivery()
            self._topology.declare(channel)
        except CONNECTION_ERRORS as exc:
            raise BrokerUnavailable(f"cannot connect to broker: {exc!r}") from None
        self._connection, self._channel = connection, channel
        log.info("publisher connected to broker")

    def _publish(self, messages: list[OutgoingMessage]) -> None:
        self._ensure_connected()
        assert self._channel is not None
        try:
            for message in messages:
                self._channel.basic_publish(
                    exchange=self._topology.exchange,
                    routing_key=message.routing_key,
                    body=message.body,
                    properties=pika.BasicProperties(
                        content_type="application/json",
                        delivery_mode=pika.DeliveryMode.Persistent,
                        message_id=message.event_id,
                        type=message.routing_key,
                    ),
                )
        except (*CONNECTION_ERRORS, pika.exceptions.NackError, pika.exceptions.UnroutableError) as exc:
            self._drop()
            raise BrokerUnavailable(f"publish not confirmed: {exc!r}") from None

    def _keepalive(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.process_data_events(time_limit=0)
        except CONNECTION_ERRORS:
            self._drop()

    def _drop(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - best effort on a connection we are abandoning
                pass
