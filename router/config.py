"""Router settings: one frozen object built from the environment, then CLI flags.

Every limit has a safe default so a router started with nothing but a supergraph is
already hardened; operators loosen what they need. Settings are read once at startup
and passed down, so no stage reads ``os.environ`` on the request path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from router.subscription_settings import SubscriptionSettings, SubscriptionSettingsError, load_subscription_settings

DEFAULT_PORT = 8000
DEFAULT_HOST = "127.0.0.1"

# Header names that prove a request was not a browser "simple request" (CSRF):
# Apollo's two plus the one the GraphQL-over-HTTP spec suggests.
DEFAULT_CSRF_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-require-preflight")

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA")
MIN_HMAC_SECRET_BYTES = 32


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable to fix."""


@dataclass(frozen=True)
class Limits:
    """Request guards. ``None`` disables a limit (only on purpose, never by default)."""

    max_body_bytes: int = 2_000_000
    max_tokens: int | None = 15_000
    max_depth: int | None = 32
    max_aliases: int | None = 64
    max_root_fields: int | None = 64
    # Fields after expanding every fragment spread: stops "fragment bombs" whose
    # text is tiny but whose expansion is exponential.
    max_fields: int | None = 10_000
    max_variable_errors: int = 50
    max_validation_errors: int = 50


@dataclass(frozen=True)
class AuthSettings:
    secret_key: str | None = None
    algorithm: str = "HS256"
    # Claims read as scopes for @requiresScopes: a space-separated string (OAuth2
    # ``scope``) or a list of strings; all listed claims are merged.
    scope_claims: tuple[str, ...] = ("scope", "scopes")
    audience: str | None = None
    issuer: str | None = None
    leeway_seconds: int = 0
    require_authentication: bool = False
    # policy name -> rule; see router.auth.PolicyRule. Policies not listed are denied.
    policies: Mapping[str, Any] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return bool(self.secret_key)


@dataclass(frozen=True)
class RouterConfig:
    supergraph_path: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    graphql_path: str = "/graphql"
    introspection: bool = True
    ide: bool = True
    csrf_prevention: bool = True
    csrf_headers: tuple[str, ...] = DEFAULT_CSRF_HEADERS
    cors_origins: tuple[str, ...] = ()
    mask_subgraph_errors: bool = False
    subgraph_timeout: float = 30.0
    subgraph_timeouts: Mapping[str, float] = field(default_factory=dict)
    subgraph_urls: Mapping[str, str] = field(default_factory=dict)
    request_timeout: float = 60.0
    forward_headers: tuple[str, ...] = ("authorization",)
    persisted_queries: bool = True
    batching: bool = False
    max_batch_size: int = 32
    document_cache_size: int = 2_000
    # Identical concurrent client queries (same operation, variables and headers, so the same
    # credentials) share one execution; identical in-flight subgraph queries share one call.
    dedupe_requests: bool = True
    dedupe_subgraph_requests: bool = True
    # Identical subgraph subscriptions (same subgraph, operation, variables and forwarded
    # headers) share one subgraph WebSocket; each client completes its events itself.
    dedupe_subscriptions: bool = True
    hot_reload: bool = False
    # Serving processes; None = one per usable CPU (router.server.workers.usable_cpus).
    workers: int | None = None
    log_level: str = "warning"
    log_format: str = "json"
    limits: Limits = field(default_factory=Limits)
    auth: AuthSettings = field(default_factory=AuthSettings)
    subscriptions: SubscriptionSettings = field(default_factory=SubscriptionSettings)

    def with_overrides(self, **changes: Any) -> "RouterConfig":
        """A copy with ``changes`` applied, skipping ``None`` (flags not given)."""
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def timeout_for(self, subgraph: str) -> float:
        return self.subgraph_timeouts.get(subgraph, self.subgraph_timeout)


# ---------------------------------------------------------------- environment parsing

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _limit(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    """A guard limit: a positive integer, or ``0``/``off`` to disable it explicitly."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.strip().lower() in {"0", "off", "none", "unlimited"}:
        return None
    return _int(env, name, 0, minimum=1)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def parse_workers(raw: str | None, name: str = "ROUTER_WORKERS") -> int | None:
    """``auto`` (or unset) is None: one worker per usable CPU; otherwise a count >= 1."""
    if raw is None or raw.strip() == "" or raw.strip().lower() == "auto":
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be 'auto' or a number of processes, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _json_object(env: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} must be a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{name} must be a JSON object")
    return value


def subgraph_env_key(name: str) -> str:
    """``SUBGRAPH_URL_<KEY>`` suffix for a subgraph name: upper case, non-alphanumerics to ``_``."""
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _prefixed(env: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {key[len(prefix):]: value for key, value in env.items() if key.startswith(prefix) and value.strip()}


def _subscriptions(env: Mapping[str, str]) -> SubscriptionSettings:
    try:
        return load_subscription_settings(env)
    except SubscriptionSettingsError as error:
        raise ConfigError(str(error)) from None


def load_config(env: Mapping[str, str]) -> RouterConfig:
    """Build the configuration from environment variables (see docs/router-server.md)."""
    port_raw = env.get("ROUTER_PORT") or env.get("PORT")
    port = DEFAULT_PORT
    if port_raw:
        try:
            port = int(port_raw)
        except ValueError:
            raise ConfigError(f"ROUTER_PORT must be an integer, got {port_raw!r}") from None
    limits = Limits(
        max_body_bytes=_int(env, "ROUTER_MAX_BODY_BYTES", Limits.max_body_bytes, minimum=1),
        max_tokens=_limit(env, "ROUTER_MAX_TOKENS", Limits.max_tokens),
        max_depth=_limit(env, "ROUTER_MAX_DEPTH", Limits.max_depth),
        max_aliases=_limit(env, "ROUTER_MAX_ALIASES", Limits.max_aliases),
        max_root_fields=_limit(env, "ROUTER_MAX_ROOT_FIELDS", Limits.max_root_fields),
        max_fields=_limit(env, "ROUTER_MAX_FIELDS", Limits.max_fields),
    )
    auth = AuthSettings(
        secret_key=env.get("SECRET_KEY") or None,
        algorithm=(env.get("ALGORITHM") or "HS256").strip(),
        scope_claims=_list(env, "ROUTER_JWT_SCOPE_CLAIMS", AuthSettings.scope_claims),
        audience=env.get("ROUTER_JWT_AUDIENCE") or None,
        issuer=env.get("ROUTER_JWT_ISSUER") or None,
        leeway_seconds=_int(env, "ROUTER_JWT_LEEWAY_SECONDS", 0),
        require_authentication=_bool(env, "ROUTER_REQUIRE_AUTHENTICATION", False),
        policies=_json_object(env, "ROUTER_POLICIES"),
    )
    timeouts: dict[str, float] = {}
    for key, raw in _prefixed(env, "SUBGRAPH_TIMEOUT_").items():
        timeouts[key] = _float(env, f"SUBGRAPH_TIMEOUT_{key}", 30.0)
    config = RouterConfig(
        supergraph_path=env.get("SUPERGRAPH_PATH") or None,
        host=env.get("ROUTER_HOST") or env.get("HOST") or DEFAULT_HOST,
        port=port,
        graphql_path=env.get("ROUTER_GRAPHQL_PATH") or "/graphql",
        introspection=_bool(env, "ROUTER_INTROSPECTION", True),
        ide=_bool(env, "ROUTER_IDE", True),
        csrf_prevention=_bool(env, "ROUTER_CSRF_PREVENTION", True),
        csrf_headers=tuple(h.lower() for h in _list(env, "ROUTER_CSRF_HEADERS", DEFAULT_CSRF_HEADERS)),
        cors_origins=_list(env, "ROUTER_CORS_ORIGINS", ()),
        mask_subgraph_errors=_bool(env, "ROUTER_MASK_SUBGRAPH_ERRORS", False),
        subgraph_timeout=_float(env, "ROUTER_SUBGRAPH_TIMEOUT", 30.0),
        subgraph_timeouts=timeouts,
        subgraph_urls=_prefixed(env, "SUBGRAPH_URL_"),
        request_timeout=_float(env, "ROUTER_REQUEST_TIMEOUT", 60.0),
        forward_headers=tuple(h.lower() for h in _list(env, "ROUTER_FORWARD_HEADERS", ("authorization",))),
        persisted_queries=_bool(env, "ROUTER_PERSISTED_QUERIES", True),
        batching=_bool(env, "ROUTER_BATCHING", False),
        max_batch_size=_int(env, "ROUTER_MAX_BATCH_SIZE", 32, minimum=1),
        document_cache_size=_int(env, "ROUTER_DOCUMENT_CACHE_SIZE", 2_000, minimum=1),
        dedupe_requests=_bool(env, "ROUTER_DEDUPE_REQUESTS", True),
        dedupe_subgraph_requests=_bool(env, "ROUTER_DEDUPE_SUBGRAPH_REQUESTS", True),
        dedupe_subscriptions=_bool(env, "ROUTER_DEDUPE_SUBSCRIPTIONS", True),
        hot_reload=_bool(env, "ROUTER_HOT_RELOAD", False),
        workers=parse_workers(env.get("ROUTER_WORKERS")),
        log_level=(env.get("ROUTER_LOG_LEVEL") or "warning").lower(),
        log_format=(env.get("ROUTER_LOG_FORMAT") or "json").lower(),
        limits=limits,
        auth=auth,
        subscriptions=_subscriptions(env),
    )
    validate_config(config)
    return config


def validate_config(config: RouterConfig) -> None:
    """Refuse settings that would run insecurely or not at all, with the fix in the message."""
    auth = config.auth
    if auth.algorithm not in HMAC_ALGORITHMS + ASYMMETRIC_ALGORITHMS:
        raise ConfigError(f"ALGORITHM {auth.algorithm!r} is not supported; use one of {', '.join(HMAC_ALGORITHMS)}")
    if auth.secret_key and auth.algorithm in HMAC_ALGORITHMS and len(auth.secret_key.encode()) < MIN_HMAC_SECRET_BYTES:
        raise ConfigError(f"SECRET_KEY is too short for {auth.algorithm}: use at least {MIN_HMAC_SECRET_BYTES} bytes")
    if auth.require_authentication and not auth.secret_key:
        raise ConfigError("ROUTER_REQUIRE_AUTHENTICATION needs SECRET_KEY to verify tokens")
    if not 0 < config.port < 65536:
        raise ConfigError(f"port must be between 1 and 65535, got {config.port}")
    if not config.graphql_path.startswith("/"):
        raise ConfigError(f"ROUTER_GRAPHQL_PATH must start with '/', got {config.graphql_path!r}")
    if config.log_format not in {"json", "text"}:
        raise ConfigError(f"ROUTER_LOG_FORMAT must be json or text, got {config.log_format!r}")
    from router.auth import parse_policy_rules  # late import: auth imports this module

    parse_policy_rules(auth.policies)
