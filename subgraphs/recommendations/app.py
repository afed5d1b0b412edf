"""Wiring of the recommendations service; ``app`` is the ASGI app for ``uvicorn subgraphs.recommendations.app:app``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from subgraphs.common.graphql_app import create_app
from subgraphs.common.main import app_from_environment
from subgraphs.common.runtime import ServiceDefinition
from subgraphs.common.settings import Settings
from subgraphs.recommendations.handlers import consumers
from subgraphs.recommendations.jobs import parse_config, refresh_job
from subgraphs.recommendations.models import Base, events
from subgraphs.recommendations.schema import schema

SERVICE = "recommendations"


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name=SERVICE,
        schema=schema,
        metadata=Base.metadata,
        store=events,
        consumers=lambda runtime: consumers(runtime.config),
        jobs=lambda runtime: [refresh_job(runtime)],
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
