"""Wiring of the notifications service; ``app`` is the ASGI app for ``uvicorn subgraphs.notifications.app:app``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from subgraphs.common.graphql_app import create_app
from subgraphs.common.main import app_from_environment
from subgraphs.common.runtime import ServiceDefinition
from subgraphs.common.settings import Settings
from subgraphs.notifications.handlers import CONSUMERS
from subgraphs.notifications.live import start_live, stop_live
from subgraphs.notifications.models import Base, events
from subgraphs.notifications.schema import schema

SERVICE = "notifications"


def definition() -> ServiceDefinition:
    # Notifications consumes order, recommendation and user events; it publishes no events,
    # only best-effort live pushes between its replicas (live.py).
    return ServiceDefinition(
        name=SERVICE,
        schema=schema,
        metadata=Base.metadata,
        store=events,
        consumers=lambda _runtime: CONSUMERS,
        on_startup=[start_live],
        on_shutdown=[stop_live],
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
