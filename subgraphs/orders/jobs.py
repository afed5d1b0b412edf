"""Scheduled work of the orders service: the automatic status lifecycle."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from subgraphs.common.runtime import ServiceRuntime
from subgraphs.common.scheduling import Job
from subgraphs.orders import service

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrdersConfig:
    status_interval_seconds: float


def status_job(runtime: ServiceRuntime) -> Job:
    interval = runtime.config.status_interval_seconds
    # An order moves once its status is at least half an interval old: an order placed a
    # moment before a run waits for the next one, and replicas whose runs fall close
    # together cannot move it two steps at once.
    min_age = timedelta(seconds=interval / 2)

    async def advance() -> None:
        moved = await service.advance_orders(runtime.database, min_age=min_age)
        if moved:
            log.debug("order statuses advanced", extra={"orders": moved})

    return Job(name="advance-order-status", interval_seconds=interval, run=advance)
