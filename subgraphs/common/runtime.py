"""What a subgraph is made of, and the running instance of it.

A service module describes itself once as a ``ServiceDefinition`` (schema, tables,
event handlers, jobs, start-up hooks); ``ServiceRuntime`` starts and stops the parts in
order (database, outbox relay, consumers, scheduler) inside the ASGI lifespan, so the
same wiring serves ``python -m subgraphs.<name>``, ``uvicorn subgraphs.<name>.app:app``
and the tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData
from strawberry.federation import Schema

from subgraphs.common.database import Database
from subgraphs.common.events.consumer import Handler, QueueConsumer
from subgraphs.common.events.publisher import BrokerUnavailable, EventPublisher
from subgraphs.common.events.relay import OutboxRelay
from subgraphs.common.events.store import EventStore
from subgraphs.common.events.topology import Topology
from subgraphs.common.scheduling import Job, JobScheduler
from subgraphs.common.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class ServiceDefinition:
    name: str
    schema: Schema
    metadata: MetaData
    store: EventStore
    # queue name (from events.topology) -> {event type -> handler}; built with the runtime.
    consumers: Callable[["ServiceRuntime"], Mapping[str, Mapping[str, Handler]]] | None = None
    jobs: Callable[["ServiceRuntime"], list[Job]] | None = None
    on_startup: list[Callable[["ServiceRuntime"], Awaitable[None]]] = field(default_factory=list)
    # Run at stop, after the consumers and the relay (so their last commits can still use them).
    on_shutdown: list[Callable[["ServiceRuntime"], Awaitable[None]]] = field(default_factory=list)
    # Parses the service's own settings from the environment (raise SettingsError on bad input).
    config: Callable[[Mapping[str, str]], Any] | None = None


class ServiceRuntime:
    def __init__(self, definition: ServiceDefinition, settings: Settings) -> None:
        self.definition = definition
        self.settings = settings
        self.config: Any = definition.config(settings.extra) if definition.config else None
        self.database = Database(settings.database_url)
        self.store = definition.store
        self.topology = Topology(settings.event_namespace)
        self.publisher = EventPublisher(settings.amqp_url, self.topology)
        self.relay = OutboxRelay(self.database, self.store, self.publisher, poll_seconds=settings.outbox_poll_seconds)
        self.consumers: list[QueueConsumer] = []
        self.scheduler: JobScheduler | None = None
        self.state: dict[str, Any] = {}
        self.started = False

    async def start(self) -> None:
        await self.database.create_schema(self.definition.metadata)
        for hook in self.definition.on_startup:
            await hook(self)
        await self._declare_topology()
        self.relay.start()
        loop = asyncio.get_running_loop()
        if self.definition.consumers is not None:
            for queue, handlers in self.definition.consumers(self).items():
                consumer = QueueConsumer(
                    amqp_url=self.settings.amqp_url,
                    topology=self.topology,
                    queue=queue,
                    consumer_name=f"{self.definition.name}:{queue}",
                    handlers=dict(handlers),
                    database=self.database,
                    store=self.store,
                    loop=loop,
                    prefetch=self.settings.consumer_prefetch,
                    max_attempts=self.settings.consumer_max_attempts,
                    retry_delay_ms=self.settings.consumer_retry_delay_ms,
                )
                consumer.start()
                self.consumers.append(consumer)
        if self.definition.jobs is not None:
            jobs = self.definition.jobs(self)
            if jobs:
                self.scheduler = JobScheduler(loop, jobs)
                self.scheduler.start()
        self.started = True
        log.info("service started", extra={"port": self.settings.port, "broker": self.settings.broker_display()})

    async def _declare_topology(self) -> None:
        """Connect the publisher (which declares every exchange and queue) before serving, so
        once the service reports started its queues exist and nothing published is unroutable.
        A broker that is down only delays this: the relay keeps trying."""
        try:
            await asyncio.wait_for(self.publisher.ensure_connected(), timeout=10)
        except (BrokerUnavailable, TimeoutError) as exc:
            log.warning("broker unavailable at start-up; events wait in the outbox", extra={"error": str(exc)})

    async def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        for consumer in self.consumers:
            await consumer.stop()
        await self.relay.stop()
        for hook in self.definition.on_shutdown:
            try:
                await hook(self)
            except Exception:  # noqa: BLE001 - stopping continues whatever a hook does
                log.exception("shutdown hook failed")
        await self.publisher.close()
        await self.database.dispose()
        self.started = False
        log.info("service stopped")

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, report). Unhealthy only when the database is unreachable: with the
        broker down the service still works and its events wait in the outbox."""
        database_ok = await self.database.ping()
        broker_ok = self.publisher.connected and all(c.connected for c in self.consumers)
        report = {
            "service": self.definition.name,
            "status": "ok" if database_ok and broker_ok else ("degraded" if database_ok else "unavailable"),
            "database": "ok" if database_ok else "unreachable",
            "broker": "ok" if broker_ok else "unreachable",
            "consumers": {c.logical_queue: ("connected" if c.connected else "disconnected") for c in self.consumers},
            "jobs": self.job_report(),
        }
        return database_ok, report

    def job_report(self) -> dict[str, dict[str, float | int]]:
        """Each scheduled job's interval and completed runs. Clients (``make demo``) read the
        intervals to know how long the automatic steps take on this deployment."""
        if self.scheduler is None:
            return {}
        return {
            job.name: {"interval_seconds": job.interval_seconds, "runs": self.scheduler.runs.get(job.name, 0)}
            for job in self.scheduler.jobs
        }
