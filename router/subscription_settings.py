"""Subscription settings: transports, limits and keep-alives, from the environment.

Every limit has a default that keeps one router process safe (each subscription holds
a client connection and a subgraph WebSocket, i.e. two file descriptors); ``0``/``off``
disables a limit or a keep-alive on purpose. Kept apart from ``router.config`` so the
subscription feature is read in one place; ``RouterConfig.subscriptions`` holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class SubscriptionSettingsError(ValueError):
    """A subscription setting is malformed; the message names the variable."""


@dataclass(frozen=True)
class SubscriptionSettings:
    enabled: bool = True
    websocket: bool = True  # graphql-transport-ws on the GraphQL path
    max_subscriptions: int | None = 1_000  # open subscriptions per router process, all transports
    max_ws_connections: int | None = 1_000  # open client WebSockets per router process
    max_subscriptions_per_connection: int | None = 100
    ws_init_timeout: float = 10.0  # seconds to send connection_init after connecting (4408 after)
    ws_ping_interval: float | None = 15.0  # server pings; a client that stays silent this long after one is closed
    http_heartbeat: float | None = 5.0  # SSE comment / multipart ``{}`` keep-alive
    subgraph_urls: Mapping[str, str] = field(default_factory=dict)  # SUBGRAPH_SUBSCRIPTION_URL_<NAME>


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_OFF = {"0", "off", "none", "unlimited", "false"}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SubscriptionSettingsError(f"{name} must be true or false, got {env[name]!r}")


def _limit(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _OFF:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SubscriptionSettingsError(f"{name} must be a positive integer or off, got {env[name]!r}") from None
    if value < 1:
        raise SubscriptionSettingsError(f"{name} must be a positive integer or off, got {value}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float | None, *, can_disable: bool) -> float | None:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if can_disable and raw in _OFF:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SubscriptionSettingsError(f"{name} must be a number of seconds, got {env[name]!r}") from None
    if value <= 0:
        raise SubscriptionSettingsError(f"{name} must be positive, got {value}")
    return value


def load_subscription_settings(env: Mapping[str, str]) -> SubscriptionSettings:
    prefix = "SUBGRAPH_SUBSCRIPTION_URL_"
    urls = {key[len(prefix):]: value.strip() for key, value in env.items() if key.startswith(prefix) and value.strip()}
    for key, url in urls.items():
        if not url.startswith(("ws://", "wss://", "http://", "https://")):
            raise SubscriptionSettingsError(f"{prefix}{key} must be a ws://, wss://, http:// or https:// URL, got {url!r}")
    defaults = SubscriptionSettings()
    return SubscriptionSettings(
        enabled=_bool(env, "ROUTER_SUBSCRIPTIONS", defaults.enabled),
        websocket=_bool(env, "ROUTER_WEBSOCKET", defaults.websocket),
        max_subscriptions=_limit(env, "ROUTER_MAX_SUBSCRIPTIONS", defaults.max_subscriptions),
        max_ws_connections=_limit(env, "ROUTER_WS_MAX_CONNECTIONS", defaults.max_ws_connections),
        max_subscriptions_per_connection=_limit(
            env, "ROUTER_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION", defaults.max_subscriptions_per_connection
        ),
        ws_init_timeout=_seconds(env, "ROUTER_WS_INIT_TIMEOUT", defaults.ws_init_timeout, can_disable=False)
        or defaults.ws_init_timeout,
        ws_ping_interval=_seconds(env, "ROUTER_WS_PING_INTERVAL", defaults.ws_ping_interval, can_disable=True),
        http_heartbeat=_seconds(env, "ROUTER_SUBSCRIPTION_HEARTBEAT", defaults.http_heartbeat, can_disable=True),
        subgraph_urls=urls,
    )
