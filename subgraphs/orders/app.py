"""Wiring of the orders service; ``app`` is the ASGI app for ``uvicorn subgraphs.orders.app:app``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from subgraphs.common.graphql_app import create_app
from subgraphs.common.main import app_from_environment
from subgraphs.common.runtime import ServiceDefinition, ServiceRuntime
from subgraphs.common.settings import Settings, env_float
from subgraphs.orders import service
from subgraphs.orders.jobs import OrdersConfig, status_job
from subgraphs.orders.models import Base, events
from subgraphs.orders.schema import schema

SERVICE = "orders"


def parse_config(env: Mapping[str, str]) -> OrdersConfig:
    return OrdersConfig(status_interval_seconds=env_float(env, "ORDER_STATUS_INTERVAL_SECONDS", 30.0, minimum=0.1))


async def _load_catalog(runtime: ServiceRuntime) -> None:
    await service.seed_catalog(runtime.database)


def definition() -> ServiceDefinition:
    # Orders produces events (order.placed, order.status_changed, product.upserted) and consumes none.
    return ServiceDefinition(
        name=SERVICE,
        schema=schema,
        metadata=Base.metadata,
        store=events,
        jobs=lambda runtime: [status_job(runtime)],
        on_startup=[_load_catalog],
        config=parse_config,
    )


def build_app(settings: Settings) -> FastAPI:
    return create_app(definition(), settings)


def __getattr__(name: str) -> Any:
    # Built on first access, so importing this module (tests, tools) needs no environment.
    if name == "app":
        app, _settings = app_from_environment(definition, SERVICE)
        globals()["app"] = app
        return app
    raise AttributeError(name)
