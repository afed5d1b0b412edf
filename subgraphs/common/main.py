"""Starting a subgraph: ``python -m subgraphs.<name>`` and ``uvicorn subgraphs.<name>.app:app``.

Settings are validated before anything starts; a bad one prints a single line and
exits with status 2 instead of a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from subgraphs.common.graphql_app import create_app
from subgraphs.common.logs import configure_logging
from subgraphs.common.runtime import ServiceDefinition
from subgraphs.common.settings import Settings, SettingsError, load_settings


def app_from_environment(definition_factory: Callable[[], ServiceDefinition], service: str) -> tuple[FastAPI, Settings]:
    try:
        settings = load_settings(service)
        definition = definition_factory()
        if definition.config is not None:
            definition.config(settings.extra)  # validate now, not in the lifespan
    except SettingsError as exc:
        print(f"{service}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(service, settings.log_level)
    return create_app(definition, settings), settings


def run_service(definition_factory: Callable[[], ServiceDefinition], service: str) -> None:
    app, settings = app_from_environment(definition_factory, service)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
