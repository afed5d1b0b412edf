"""``python -m router serve``: flags override environment variables, which override defaults."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import socket
import sys
from dataclasses import replace
from typing import Any

from router.config import ConfigError, RouterConfig, load_config, parse_workers

# In-flight requests get this long to finish after SIGTERM (the supervisor's grace is longer).
GRACEFUL_SHUTDOWN_SECONDS = 10


# On/off flags as (flag, RouterConfig field, help); a flag not given leaves the environment's value.
SWITCHES: tuple[tuple[str, str, str], ...] = (
    ("--introspection", "introspection", "answer __schema/__type queries (env ROUTER_INTROSPECTION, default on)"),
    ("--hot-reload", "hot_reload", "reload the supergraph file when it changes (env ROUTER_HOT_RELOAD)"),
    (
        "--dedupe-requests",
        "dedupe_requests",
        "identical concurrent client queries with the same headers share one execution "
        "(env ROUTER_DEDUPE_REQUESTS, default on)",
    ),
    (
        "--dedupe-subgraph-requests",
        "dedupe_subgraph_requests",
        "identical in-flight subgraph queries share one call (env ROUTER_DEDUPE_SUBGRAPH_REQUESTS, default on)",
    ),
    (
        "--dedupe-subscriptions",
        "dedupe_subscriptions",
        "identical subgraph subscriptions (same operation, variables and forwarded headers) share one "
        "subgraph WebSocket (env ROUTER_DEDUPE_SUBSCRIPTIONS, default on)",
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", metavar="FILE", help="supergraph SDL file (env SUPERGRAPH_PATH)")
    parser.add_argument("supergraph_file", nargs="?", metavar="SUPERGRAPH", help="same as --supergraph")
    parser.add_argument("--host", help="interface to bind (env ROUTER_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (env ROUTER_PORT, default 8000)")
    for flag, field, help_text in SWITCHES:
        parser.add_argument(flag, dest=field, action=argparse.BooleanOptionalAction, default=None, help=help_text)
    parser.add_argument("--log-level", help="debug, info, warning (default), error (env ROUTER_LOG_LEVEL)")
    parser.add_argument(
        "--workers",
        metavar="N|auto",
        help="serving processes (env ROUTER_WORKERS, default auto: one per usable CPU)",
    )


def build_config(args: argparse.Namespace) -> RouterConfig:
    config = load_config(os.environ)
    if args.workers is not None:
        config = replace(config, workers=parse_workers(args.workers, "--workers"))
    return config.with_overrides(
        supergraph_path=args.supergraph or args.supergraph_file,
        host=args.host,
        port=args.port,
        log_level=args.log_level.lower() if args.log_level else None,
        **{field: getattr(args, field) for _, field, _ in SWITCHES},
    )


def run(args: argparse.Namespace) -> int:
    from router.server.app import create_app
    from router.server.logs import configure_logging

    try:
        config = build_config(args)
        if not config.supergraph_path:
            raise ConfigError("no supergraph given: pass --supergraph FILE or set SUPERGRAPH_PATH")
    except ConfigError as error:
        print(f"router: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(config.log_level, config.log_format)
    try:
        from router.server.app import federated_engine

        # Load once before binding so a broken supergraph fails fast with its message.
        engine = federated_engine(config)
    except Exception as error:  # noqa: BLE001 - every startup failure becomes one clear line
        logging.getLogger("router.server.startup").error("cannot start the router: %s", error)
        print(f"router: cannot load supergraph: {error}", file=sys.stderr)
        return 1
    from router.server.workers import Supervisor, worker_count

    count = worker_count(config.workers)
    if count > 1 and not hasattr(os, "fork"):
        logging.getLogger("router.server.startup").warning("this platform cannot fork: serving from one process")
        count = 1
    tune_garbage_collector()
    if count == 1:
        return _serve(create_app(config, engine_factory=federated_engine, initial_engine=engine), config)

    def serve_worker(listener: socket.socket, first: bool) -> int:
        # A replacement worker reads the file again: hot reload may have changed it since.
        initial = engine if first else _fresh_engine(config, engine)
        return _serve(create_app(config, engine_factory=federated_engine, initial_engine=initial), config, listener)

    try:
        supervisor = Supervisor(config.host, config.port, count, serve_worker)
    except OSError as error:
        print(f"router: cannot listen on {config.host}:{config.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    return supervisor.run()


def tune_garbage_collector() -> None:
    """Keep Python's cyclic collector off the request path.

    With dozens of large requests in flight, many of their objects outlive a young
    collection and are promoted; every collection of the older generations then walks all
    of them again (and the loaded graph, unless frozen). Request data has no reference
    cycles (``tests/router_core/test_schedule.py`` checks it), so reference counting frees
    it without the collector: young collections stay as they are, the older ones become
    rare. Measured with 50 concurrent requests of the gateways-benchmark query: about
    190 us of collector time per request with Python's defaults (700, 10, 10), about 60 us
    with these. The loaded graph is frozen out of the collector (in the workers too: they
    are forked after this).
    """
    gc.freeze()
    gc.set_threshold(700, 10_000, 100)


def _fresh_engine(config: RouterConfig, fallback: Any) -> Any:
    from router.server.app import federated_engine

    try:
        return federated_engine(config)
    except Exception as error:  # noqa: BLE001 - keep serving the graph the router started with
        logging.getLogger("router.server.startup").error(
            "supergraph reload failed in a new worker; serving the one loaded at startup", extra={"error": str(error)}
        )
        return fallback


def _serve(app: Any, config: RouterConfig, listener: socket.socket | None = None) -> int:
    import uvicorn

    from router.server.http_protocol import CoalescingHttpToolsProtocol

    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            loop="uvloop",
            http=CoalescingHttpToolsProtocol,  # httptools, each response in one write
            lifespan="on",
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
    )
    server.run(sockets=None if listener is None else [listener])
    return 0 if server.started else 1
