"""Direct RabbitMQ access for tests: peek at queues, publish raw messages."""

from __future__ import annotations

import os
import time
from typing import Any

import pika

from subgraphs.common.events.topology import Topology

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def rabbitmq_available() -> bool:
    try:
        pika.BlockingConnection(pika.URLParameters(AMQP_URL)).close()
        return True
    except Exception:  # noqa: BLE001
        return False


class RabbitClient:
    def __init__(self, url: str = AMQP_URL) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()

    def message_count(self, queue: str) -> int:
        return int(self.channel.queue_declare(queue, passive=True).method.message_count)

    def get(self, queue: str, timeout: float = 10.0) -> tuple[Any, bytes]:
        """Take one message (acked), waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(queue, auto_ack=True)
            if method is not None:
                return properties, body
            self.connection.sleep(0.05)
        raise TimeoutError(f"no message on {queue} within {timeout}s")

    def drain(self, queue: str) -> list[bytes]:
        bodies = []
        while True:
            method, _properties, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None:
                return bodies
            bodies.append(body)

    def delete_namespace(self, namespace: str) -> None:
        Topology(namespace).delete(self.channel)
