"""Consuming one queue: a pika thread for I/O, the service's event loop for the work.

pika's BlockingConnection is not thread-safe, so it lives on its own thread and the
only way in from elsewhere is ``add_callback_threadsafe``. A delivery is handed to the
asyncio loop, handled in one database transaction together with the inbox row that
marks it processed, and acked (back on the pika thread) only after that commit.

Outcomes per delivery:
- handled (or already in the inbox): ack;
- not a valid envelope: reject without requeue, the broker dead-letters it at once;
- handler failed: republish to ``<queue>.retry`` with ``x-attempts`` + 1 and a
  growing per-message TTL, then ack; after ``max_attempts`` reject to ``<queue>.dead``.
If the connection drops, unacked deliveries return to the queue and the inbox absorbs
any that had already been applied; the thread reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

import pika
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.common.database import Database
from subgraphs.common.events.broker import CONNECTION_ERRORS, connection_parameters
from subgraphs.common.events.envelope import Event, InvalidEvent
from subgraphs.common.events.store import EventStore
from subgraphs.common.events.topology import Topology

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Event], Awaitable[None]]
ATTEMPTS_HEADER = "x-attempts"
MAX_RETRY_DELAY_MS = 60_000


class QueueConsumer:
    def __init__(
        self,
        *,
        amqp_url: str,
        topology: Topology,
        queue: str,
        consumer_name: str,
        handlers: dict[str, Handler],
        database: Database,
        store: EventStore,
        loop: asyncio.AbstractEventLoop,
        prefetch: int = 20,
        max_attempts: int = 5,
        retry_delay_ms: int = 1000,
    ) -> None:
        self.topology = topology
        self.logical_queue = queue
        self.queue = topology.queue(queue)
        self.consumer_name = consumer_name
        self.handlers = handlers
        self.database = database
        self.store = store
        self.loop = loop
        self.prefetch = prefetch
        self.max_attempts = max_attempts
        self.retry_delay_ms = retry_delay_ms
        self._params = connection_parameters(amqp_url)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: pika.BlockingConnection | None = None
        self._channel: Any = None
        self._inflight: set[Future[str]] = set()
        self._inflight_lock = threading.Lock()
        self.connected = False
        self.stats = {"handled": 0, "duplicates": 0, "retried": 0, "dead_lettered": 0}

    # -- lifecycle (called from the event loop) --------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"consumer-{self.logical_queue}", daemon=True)
        self._thread.start()

    async def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        connection = self._connection
        if connection is not None:
            try:
                connection.add_callback_threadsafe(self._stop_consuming)
            except Exception:  # noqa: BLE001 - connection already gone
                pass
        # The pika thread drains in-flight work (which needs this loop running) before it exits.
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, timeout)

    # -- pika thread -------------------------------------------------------------------

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                self._consume()
                backoff = 0.2
            except CONNECTION_ERRORS as exc:
                if self.connected:
                    log.warning("consumer lost broker connection, reconnecting", extra={"queue": self.queue, "error": repr(exc)})
                self.connected = False
            except Exception:  # noqa: BLE001 - keep consuming whatever happens
                log.exception("consumer crashed, restarting", extra={"queue": self.queue})
                self.connected = False
            finally:
                self._close_connection()
            if not self._stop.is_set():
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _consume(self) -> None:
        connection = pika.BlockingConnection(self._params)
        self._connection = connection
        channel = connection.channel()
        self._channel = channel
        channel.confirm_delivery()
        self.topology.declare(channel)
        channel.basic_qos(prefetch_count=self.prefetch)
        channel.basic_consume(self.queue, on_message_callback=self._on_message, auto_ack=False)
        self.connected = True
        log.info("consumer connected", extra={"queue": self.queue})
        if self._stop.is_set():
            return
        channel.start_consuming()
        # Stopped: no new deliveries; let in-flight handlers finish and their acks go out.
        deadline = time.monotonic() + 10
        while self._inflight and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.05)
        connection.process_data_events(time_limit=0)

    def _stop_consuming(self) -> None:
        channel = self._channel
        if channel is not None and channel.is_open:
            try:
                channel.stop_consuming()
            except CONNECTION_ERRORS:
                pass

    def _close_connection(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        self.connected = False
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001
                pass

    def _on_message(self, channel: Any, method: Any, properties: Any, body: bytes) -> None:
        try:
            event = Event.from_json(body)
        except InvalidEvent as exc:
            log.error("invalid event dead-lettered", extra={"queue": self.queue, "error": str(exc)})
            channel.basic_reject(method.delivery_tag, requeue=False)
            self.stats["dead_lettered"] += 1
            return
        headers = dict(properties.headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0) or 0)
        future = asyncio.run_coroutine_threadsafe(self._process(event), self.loop)
        with self._inflight_lock:
            self._inflight.add(future)
        connection = self._connection
        future.add_done_callback(
            functools.partial(self._settle_threadsafe, connection, channel, method, properties, body, attempts, event)
        )

    def _settle_threadsafe(self, connection: Any, *args: Any) -> None:
        """Runs on the event loop when handling finished: hop back to the pika thread to ack."""
        future: Future[str] = args[-1]
        try:
            connection.add_callback_threadsafe(functools.partial(self._settle, *args))
        except Exception:  # noqa: BLE001 - connection gone: the broker will redeliver
            pass
        finally:
            with self._inflight_lock:
                self._inflight.discard(future)

    def _settle(
        self,
        channel: Any,
        method: Any,
        properties: Any,
        body: bytes,
        attempts: int,
        event: Event,
        future: Future[str],
    ) -> None:
        if not channel.is_open:
            return  # redelivered after reconnect
        if future.cancelled():
            return  # the service is stopping: leave it unacked, the broker redelivers it
        try:
            error = future.exception()
            if error is None:
                self.stats["duplicates" if future.result() == "duplicate" else "handled"] += 1
                channel.basic_ack(method.delivery_tag)
                return
            attempt = attempts + 1
            if attempt >= self.max_attempts:
                log.error(
                    "event dead-lettered after %d attempts",
                    attempt,
                    extra={"queue": self.queue, "event_id": event.id, "event_type": event.type, "error": repr(error)},
                )
                channel.basic_reject(method.delivery_tag, requeue=False)
                self.stats["dead_lettered"] += 1
                return
            delay = min(self.retry_delay_ms * (2 ** (attempt - 1)), MAX_RETRY_DELAY_MS)
            log.warning(
                "event handling failed, retrying",
                extra={"queue": self.queue, "event_id": event.id, "attempt": attempt, "delay_ms": delay, "error": repr(error)},
            )
            headers = {**(properties.headers or {}), ATTEMPTS_HEADER: attempt}
            channel.basic_publish(
                exchange="",
                routing_key=self.topology.retry_queue(self.logical_queue),
                body=body,
                properties=pika.BasicProperties(
                    content_type=properties.content_type,
                    delivery_mode=pika.DeliveryMode.Persistent,
                    message_id=properties.message_id,
                    type=properties.type,
                    headers=headers,
                    expiration=str(delay),
                ),
            )
            channel.basic_ack(method.delivery_tag)
            self.stats["retried"] += 1
        except CONNECTION_ERRORS:
            pass  # unacked: the broker redelivers it after reconnect

    # -- event loop ----------------------------------------------------------------------

    async def _process(self, event: Event) -> str:
        handler = self.handlers.get(event.type)
        try:
            async with self.database.transaction() as session:
                if await self.store.already_processed(session, self.consumer_name, event.id):
                    return "duplicate"
                await self.store.record_processed(session, self.consumer_name, event)
                if handler is not None:
                    await handler(session, event)
        except IntegrityError:
            # A concurrent delivery of the same event committed first.
            async with self.database.session() as session:
                if await self.store.already_processed(session, self.consumer_name, event.id):
                    return "duplicate"
            raise
        return "handled" if handler is not None else "ignored"
