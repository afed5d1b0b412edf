"""Live notifications: each committed notification is pushed to its user's open subscriptions.

A subscriber is connected to one replica, while the notification may be created by
another (the replicas share the event queues, and a promotion is sent on whichever
replica got the mutation). So every replica publishes what it committed to a fanout
exchange, and each replica has one exclusive, auto-delete queue bound to it: every
replica sees every new notification and hands it to its own subscribers of that user.

Pushes are best-effort: the stored notifications stay the source of truth (a client
that reconnects reads ``userNotifications``). Hence no publisher confirms, no
durable queues, and nothing is retried; a replica without the broker still pushes to
its own subscribers. Publishing happens only from ``Database.on_commit``, so a
notification whose transaction rolled back is never announced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
import pika
import pika.exceptions

from subgraphs.common.events.broker import CONNECTION_ERRORS, connection_parameters
from subgraphs.notifications.service import CREATED

log = logging.getLogger(__name__)

EXCHANGE = "notifications.live"
SUBSCRIBER_QUEUE_SIZE = 256  # pushes waiting for one slow subscriber before the oldest are dropped
MESSAGE_BATCH = 500  # notifications per broker message (a promotion reaches many users at once)

Payload = dict[str, Any]


class LiveHub:
    """This process's subscribers, by user id; a slow one loses its oldest pushes, nobody blocks."""

    def __init__(self, queue_size: int = SUBSCRIBER_QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscribers: defaultdict[int, set[asyncio.Queue[Payload]]] = defaultdict(set)
        self.dropped = 0

    @contextlib.contextmanager
    def subscribe(self, user_id: int) -> Iterator[asyncio.Queue[Payload]]:
        queue: asyncio.Queue[Payload] = asyncio.Queue(self._queue_size)
        self._subscribers[user_id].add(queue)
        try:
            yield queue
        finally:
            queues = self._subscribers.get(user_id)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._subscribers[user_id]

    @property
    def subscriber_count(self) -> int:
        return sum(len(queues) for queues in self._subscribers.values())

    def dispatch(self, notifications: Sequence[Payload]) -> None:
        for notification in notifications:
            user_id = notification.get("userId")
            for queue in self._subscribers.get(user_id, ()) if isinstance(user_id, int) else ():
                if queue.full():
                    queue.get_nowait()
                    self.dropped += 1
                queue.put_nowait(notification)


class LiveFanout:
    """Publishes committed notifications to every replica and dispatches the ones received.

    pika is not thread-safe: one thread owns the connection (consuming this replica's
    queue) and publishing is handed to it with ``add_callback_threadsafe``.
    """

    def __init__(self, amqp_url: str, namespace: str, hub: LiveHub, loop: asyncio.AbstractEventLoop) -> None:
        self.exchange = namespace + EXCHANGE
        self.hub = hub
        self.origin = uuid.uuid4().hex  # our own messages come back through the fanout: skip them
        self._loop = loop
        self._params = connection_parameters(amqp_url)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: pika.BlockingConnection | None = None
        self._channel: Any = None
        self.connected = threading.Event()

    # -- called on the event loop ----------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-fanout", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.add_callback_threadsafe(self._stop_consuming)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)

    def on_commit(self, info: dict[Any, Any]) -> None:
        """``Database.on_commit`` listener: push what the committed transaction created."""
        created = info.pop(CREATED, None)
        if created:
            self.publish(created)

    def publish(self, notifications: Sequence[Payload]) -> None:
        self.hub.dispatch(notifications)  # our own subscribers at once, broker or not
        connection = self._connection
        if connection is None:
            log.debug("live push not fanned out: broker unavailable", extra={"count": len(notifications)})
            return
        for start in range(0, len(notifications), MESSAGE_BATCH):
            body = orjson.dumps({"notifications": list(notifications[start : start + MESSAGE_BATCH])})
            try:
                connection.add_callback_threadsafe(lambda body=body: self._publish(body))
            except Exception:  # noqa: BLE001 - connection just went away; best-effort
                log.debug("live push not fanned out: connection closed")
                return

    # -- the pika thread ---------------------------------------------------------------------

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                self._consume()
                backoff = 0.2
            except CONNECTION_ERRORS as exc:
                log.warning("live fan-out lost the broker, reconnecting", extra={"error": repr(exc)})
            except Exception:  # noqa: BLE001 - keep the fan-out alive whatever happens
                log.exception("live fan-out crashed, restarting")
            finally:
                self._close()
            if not self._stop.is_set():
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _consume(self) -> None:
        connection = pika.BlockingConnection(self._params)
        self._connection = connection
        channel = connection.channel()
        self._channel = channel
        # Auto-delete: gone with the last replica, so nothing is left behind on the broker.
        channel.exchange_declare(self.exchange, exchange_type="fanout", durable=False, auto_delete=True)
        queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        channel.queue_bind(queue, self.exchange)
        channel.basic_consume(queue, on_message_callback=self._on_message, auto_ack=True)
        self.connected.set()
        log.info("live fan-out connected", extra={"exchange": self.exchange})
        if not self._stop.is_set():
            channel.start_consuming()

    def _publish(self, body: bytes) -> None:
        channel = self._channel
        if channel is None or not channel.is_open:
            return
        try:
            channel.basic_publish(
                self.exchange,
                "",
                body,
                pika.BasicProperties(content_type="application/json", app_id=self.origin),
            )
        except CONNECTION_ERRORS as exc:
            log.debug("live push not fanned out", extra={"error": repr(exc)})

    def _on_message(self, _channel: Any, _method: Any, properties: Any, body: bytes) -> None:
        if properties.app_id == self.origin:
            return
        try:
            notifications = orjson.loads(body)["notifications"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("ignored a malformed live notification message")
            return
        if isinstance(notifications, list):
            self._loop.call_soon_threadsafe(self.hub.dispatch, notifications)

    def _stop_consuming(self) -> None:
        channel = self._channel
        if channel is not None and channel.is_open:
            with contextlib.suppress(*CONNECTION_ERRORS):
                channel.stop_consuming()

    def _close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        self.connected.clear()
        if connection is not None and connection.is_open:
            with contextlib.suppress(Exception):
                connection.close()


def publish_once(amqp_url: str, namespace: str, notifications: Sequence[Payload]) -> None:
    """Announce notifications from a process that serves no subscribers (the operator CLI)."""
    if not notifications:
        return
    connection = pika.BlockingConnection(connection_parameters(amqp_url))
    try:
        channel = connection.channel()
        exchange = namespace + EXCHANGE
        try:
            channel.exchange_declare(exchange, exchange_type="fanout", passive=True)
        except pika.exceptions.ChannelClosedByBroker:
            return  # no replica is running, so nobody is subscribed
        for start in range(0, len(notifications), MESSAGE_BATCH):
            body = orjson.dumps({"notifications": list(notifications[start : start + MESSAGE_BATCH])})
            channel.basic_publish(exchange, "", body, pika.BasicProperties(content_type="application/json"))
    finally:
        connection.close()


# -- wiring into the service runtime ------------------------------------------------------------

STATE_KEY = "live"


def live_hub(runtime: Any) -> LiveHub:
    """The running service's subscribers (``runtime.state`` holds the fan-out)."""
    fanout: LiveFanout | None = runtime.state.get(STATE_KEY)
    if fanout is None:
        raise RuntimeError("live notifications are not running in this process")
    return fanout.hub


async def start_live(runtime: Any) -> None:
    """Startup hook: connect the fan-out and publish every committed notification through it."""
    fanout = LiveFanout(runtime.settings.amqp_url, runtime.settings.event_namespace, LiveHub(), asyncio.get_running_loop())
    runtime.database.on_commit(fanout.on_commit)
    fanout.start()
    runtime.state[STATE_KEY] = fanout
    # What we commit reaches other replicas' subscribers only once our connection is up: wait
    # for it briefly, never long (pushes are best-effort; a broker that is down only delays them).
    await asyncio.to_thread(fanout.connected.wait, 5)


async def stop_live(runtime: Any) -> None:
    fanout: LiveFanout | None = runtime.state.pop(STATE_KEY, None)
    if fanout is not None:
        await fanout.stop()
