"""The whole system's exchanges and queues, declared in one place.

Both publishers and consumers declare all of it on connect (declarations are
idempotent), so a queue exists before its first event is published even if the
consuming service has never started: nothing published is dropped as unroutable.

Each consuming service has its own queue per flow, so two services never compete for
one message, while replicas of the same service share (and split) their queue.
The original queue names are kept for the original flows.
"""

from __future__ import annotations

from dataclasses import dataclass

EXCHANGE = "events"
DEAD_LETTER_EXCHANGE = "events.dead-letter"


@dataclass(frozen=True)
class QueueSpec:
    name: str
    consumer: str
    bindings: tuple[str, ...]
    description: str


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "order_placed_queue",
        "recommendations",
        ("order.placed",),
        "orders placed: recommendations learns purchases and recommends",
    ),
    QueueSpec(
        "order_updates_queue",
        "notifications",
        ("order.placed", "order.status_changed"),
        "order placed / status changes: notifications tells the customer",
    ),
    QueueSpec(
        "recommendations_queue",
        "notifications",
        ("recommendation.created",),
        "new recommendations: notifications tells the customer",
    ),
    QueueSpec(
        "notifications.user_events",
        "notifications",
        ("user.registered", "user.preferences_changed"),
        "users and their preferences, mirrored by notifications",
    ),
    QueueSpec(
        "recommendations.catalog",
        "recommendations",
        ("product.upserted",),
        "the orders catalogue, mirrored by recommendations (candidates it can recommend)",
    ),
    QueueSpec(
        "recommendations.user_events",
        "recommendations",
        ("user.registered", "user.preferences_changed"),
        "users and their preferences, mirrored by recommendations",
    ),
)


@dataclass(frozen=True)
class Topology:
    """Concrete names for one namespace (empty in production; unique per test run)."""

    namespace: str = ""

    @property
    def exchange(self) -> str:
        return self.namespace + EXCHANGE

    @property
    def dead_letter_exchange(self) -> str:
        return self.namespace + DEAD_LETTER_EXCHANGE

    def queue(self, name: str) -> str:
        return self.namespace + name

    def retry_queue(self, name: str) -> str:
        return self.queue(name) + ".retry"

    def dead_queue(self, name: str) -> str:
        return self.queue(name) + ".dead"

    def spec(self, name: str) -> QueueSpec:
        for spec in QUEUES:
            if spec.name == name:
                return spec
        raise KeyError(f"unknown queue {name!r}")

    def declare(self, channel: object) -> None:
        """Declare every exchange and queue (durable) on a pika channel."""
        ch = channel  # pika.adapters.blocking_connection.BlockingChannel
        ch.exchange_declare(self.exchange, exchange_type="topic", durable=True)  # type: ignore[attr-defined]
        ch.exchange_declare(self.dead_letter_exchange, exchange_type="direct", durable=True)  # type: ignore[attr-defined]
        for spec in QUEUES:
            queue = self.queue(spec.name)
            ch.queue_declare(  # type: ignore[attr-defined]
                queue,
                durable=True,
                arguments={
                    "x-dead-letter-exchange": self.dead_letter_exchange,
                    "x-dead-letter-routing-key": queue,
                },
            )
            for routing_key in spec.bindings:
                ch.queue_bind(queue, self.exchange, routing_key=routing_key)  # type: ignore[attr-defined]
            # Failed messages wait here (per-message TTL) and then return to the main queue.
            ch.queue_declare(  # type: ignore[attr-defined]
                self.retry_queue(spec.name),
                durable=True,
                arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue},
            )
            dead = self.dead_queue(spec.name)
            ch.queue_declare(dead, durable=True)  # type: ignore[attr-defined]
            ch.queue_bind(dead, self.dead_letter_exchange, routing_key=queue)  # type: ignore[attr-defined]

    def delete(self, channel: object) -> None:
        """Delete every queue and exchange ``declare`` made (a throwaway namespace, after a run)."""
        ch = channel  # pika.adapters.blocking_connection.BlockingChannel
        for spec in QUEUES:
            for queue in (self.queue(spec.name), self.retry_queue(spec.name), self.dead_queue(spec.name)):
                ch.queue_delete(queue)  # type: ignore[attr-defined]
        for exchange in (self.exchange, self.dead_letter_exchange):
            ch.exchange_delete(exchange)  # type: ignore[attr-defined]
