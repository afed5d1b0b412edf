"""Infrastructure the end-to-end benchmark scripts share: ports, percentiles, databases, RabbitMQ cleanup.

``bench_events.py`` and ``bench_subscriptions.py`` start the real subgraphs as processes
on throwaway databases and a throwaway RabbitMQ namespace; the setup and teardown live
here once so a fix (e.g. a new queue suffix) reaches both.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import pika
import psycopg

AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
POSTGRES_DSN = os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; ``fraction`` in [0, 1]."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


@contextlib.contextmanager
def databases(kind: str, tmp: Path, services: Iterable[str]) -> Iterator[dict[str, str]]:
    """A database URL per service: SQLite files under ``tmp``, or fresh PostgreSQL databases dropped afterwards."""
    if kind == "sqlite":
        yield {name: f"sqlite:///{tmp}/{name}.db" for name in services}
        return
    names = {name: f"bench_{name}_{uuid.uuid4().hex[:8]}" for name in services}
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
        for database in names.values():
            admin.execute(f'CREATE DATABASE "{database}"')
    base = POSTGRES_DSN.rsplit("/", 1)[0]
    try:
        yield {name: f"{base}/{database}" for name, database in names.items()}
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
            for database in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def delete_namespace(namespace: str) -> None:
    """Delete the queues and exchanges the subgraphs declared under ``namespace``."""
    from subgraphs.common.events.topology import Topology

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        Topology(namespace).delete(connection.channel())
    finally:
        connection.close()


__all__ = ["AMQP_URL", "POSTGRES_DSN", "databases", "delete_namespace", "free_port", "percentile"]
