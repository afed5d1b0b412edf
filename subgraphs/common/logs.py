"""Structured logging: one JSON object per line on stderr.

Quiet by default: our own loggers at LOG_LEVEL (INFO), third-party libraries
(pika, uvicorn access, SQLAlchemy, httpx) at WARNING so a healthy service prints
only its start, stop and real problems.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}
NOISY_LOGGERS = ("pika", "uvicorn.access", "sqlalchemy", "httpx", "httpcore", "aiosqlite", "asyncio")


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in (*NOISY_LOGGERS, "uvicorn.error"):
        # uvicorn's own start-up chatter too: the service logs one "service started" line.
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # pika logs each failed reconnect attempt as several ERROR lines with tracebacks; the
    # publisher, relay and consumers log one line per outage themselves.
    if logging.getLevelName(level) > logging.DEBUG:
        logging.getLogger("pika").setLevel(logging.CRITICAL)
    # Strawberry logs every GraphQL error, client mistakes included, with a traceback;
    # graphql_app.ErrorMasking already logs the unexpected ones, so this one stays silent.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
    # uvicorn installs its own handlers; route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
