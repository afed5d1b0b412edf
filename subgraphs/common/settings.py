"""Settings read once from the environment, validated up front.

A service with a bad setting must refuse to start with one readable line, rather than
fail later (or, worse, run with a guessable secret). ``load_settings`` raises
``SettingsError`` carrying that line; ``service_main`` prints it and exits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

# Default ports of the original design.
DEFAULT_PORTS: dict[str, int] = {
    "users": 8001,
    "notifications": 8002,
    "recommendations": 8003,
    "orders": 8004,
}

# Each service's public URL as the other parts of the system know it.
SERVICE_URL_VARIABLES: dict[str, str] = {
    "users": "USER_SERVICE_URL",
    "notifications": "NOTIF_SERVICE_URL",
    "recommendations": "RECOMMEND_SERVICE_URL",
    "orders": "ORDER_SERVICE_URL",
}

SUPPORTED_ALGORITHMS = ("HS256", "HS384", "HS512")
MIN_SECRET_BYTES = 32


class SettingsError(Exception):
    """A setting is missing or invalid; the message is the one line shown to the operator."""


@dataclass(frozen=True)
class Settings:
    service: str
    host: str
    port: int
    database_url: str
    secret_key: str = field(repr=False)
    algorithm: str
    access_token_minutes: int
    amqp_url: str = field(repr=False)
    # Prefix for exchange and queue names: empty in production (the original names),
    # unique per run in tests so parallel runs never share queues.
    event_namespace: str
    service_urls: Mapping[str, str]
    log_level: str
    # Faster (still argon2id) hashing parameters; only for test suites.
    fast_password_hashing: bool
    outbox_poll_seconds: float
    consumer_prefetch: int
    consumer_max_attempts: int
    consumer_retry_delay_ms: int
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    def broker_display(self) -> str:
        """The broker address without credentials, for logs and /health."""
        return re.sub(r"//[^@/]*@", "//", self.amqp_url)


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be >= {minimum}, got {value}")
    return value


def env_float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be >= {minimum}, got {value}")
    return value


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _database_url(env: Mapping[str, str], service: str) -> str:
    url = env.get("DATABASE_URL") or f"sqlite:///./{service}.db"
    if not re.match(r"^(sqlite|postgresql|postgres)(\+\w+)?://", url):
        raise SettingsError(
            f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {url.split('://')[0]!r}://..."
        )
    return url


def _amqp_url(env: Mapping[str, str]) -> str:
    if env.get("AMQP_URL"):
        url = env["AMQP_URL"]
        if not url.startswith(("amqp://", "amqps://")):
            raise SettingsError("AMQP_URL must start with amqp:// or amqps://")
        return url
    host = env.get("RABBITMQ_HOST", "localhost")
    port = env_int(env, "RABBITMQ_PORT", 5672, minimum=1)
    user = quote(env.get("RABBITMQ_USER", "guest"), safe="")
    password = quote(env.get("RABBITMQ_PASS", "guest"), safe="")
    vhost = quote(env.get("RABBITMQ_VHOST", "/"), safe="")
    return f"amqp://{user}:{password}@{host}:{port}/{vhost}"


def _secret_key(env: Mapping[str, str]) -> str:
    secret = env.get("SECRET_KEY", "")
    if not secret:
        raise SettingsError(
            "SECRET_KEY is not set: export a random value of at least 32 bytes "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(f"SECRET_KEY is too short: use at least {MIN_SECRET_BYTES} bytes")
    return secret


def load_settings(service: str, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting of ``service``; raise SettingsError on the first bad one."""
    env = os.environ if env is None else env
    algorithm = env.get("ALGORITHM", "HS256")
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise SettingsError(f"ALGORITHM must be one of {', '.join(SUPPORTED_ALGORITHMS)}, got {algorithm!r}")
    port = env_int(env, "PORT", DEFAULT_PORTS.get(service, 8000), minimum=1)
    if port > 65535:
        raise SettingsError(f"PORT must be <= 65535, got {port}")
    service_urls = {
        name: env.get(variable) or f"http://localhost:{DEFAULT_PORTS[name]}/graphql"
        for name, variable in SERVICE_URL_VARIABLES.items()
    }
    log_level = env.get("LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
    return Settings(
        service=service,
        host=env.get("HOST", "127.0.0.1"),
        port=port,
        database_url=_database_url(env, service),
        secret_key=_secret_key(env),
        algorithm=algorithm,
        access_token_minutes=env_int(env, "ACCESS_TOKEN_EXPIRE_MINUTES", 60, minimum=1),
        amqp_url=_amqp_url(env),
        event_namespace=env.get("EVENT_NAMESPACE", ""),
        service_urls=service_urls,
        log_level=log_level,
        fast_password_hashing=env_bool(env, "FAST_PASSWORD_HASHING", False),
        outbox_poll_seconds=env_float(env, "OUTBOX_POLL_SECONDS", 1.0, minimum=0.01),
        consumer_prefetch=env_int(env, "CONSUMER_PREFETCH", 20, minimum=1),
        consumer_max_attempts=env_int(env, "CONSUMER_MAX_ATTEMPTS", 5, minimum=1),
        consumer_retry_delay_ms=env_int(env, "CONSUMER_RETRY_DELAY_MS", 1000, minimum=0),
        extra=dict(env),
    )
