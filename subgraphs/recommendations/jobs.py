"""Scheduled work of the recommendations service: refreshing active users."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from subgraphs.common.runtime import ServiceRuntime
from subgraphs.common.scheduling import Job
from subgraphs.common.settings import env_float, env_int
from subgraphs.recommendations import service

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecommendationsConfig:
    interval_seconds: float
    per_order: int
    per_refresh: int


def parse_config(env: Mapping[str, str]) -> RecommendationsConfig:
    return RecommendationsConfig(
        interval_seconds=env_float(env, "RECOMMENDATION_INTERVAL_SECONDS", 600.0, minimum=0.1),
        per_order=env_int(env, "RECOMMENDATIONS_PER_ORDER", 2, minimum=0),
        per_refresh=env_int(env, "RECOMMENDATIONS_PER_REFRESH", 3, minimum=0),
    )


def refresh_job(runtime: ServiceRuntime) -> Job:
    config: RecommendationsConfig = runtime.config

    async def refresh() -> None:
        created = await service.refresh_active_users(runtime.database, limit=config.per_refresh)
        if created:
            log.debug("recommendations refreshed", extra={"recommendations": created})

    return Job(name="refresh-recommendations", interval_seconds=config.interval_seconds, run=refresh)
