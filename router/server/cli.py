"""``python -m router serve``: flags override environment variables, which override defaults."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from router.config import ConfigError, RouterConfig, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", metavar="FILE", help="supergraph SDL file (env SUPERGRAPH_PATH)")
    parser.add_argument("supergraph_file", nargs="?", metavar="SUPERGRAPH", help="same as --supergraph")
    parser.add_argument("--host", help="interface to bind (env ROUTER_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (env ROUTER_PORT, default 8000)")
    parser.add_argument(
        "--introspection",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="answer __schema/__type queries (env ROUTER_INTROSPECTION, default on)",
    )
    parser.add_argument(
        "--hot-reload",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reload the supergraph file when it changes (env ROUTER_HOT_RELOAD)",
    )
    parser.add_argument("--log-level", help="debug, info, warning (default), error (env ROUTER_LOG_LEVEL)")


def build_config(args: argparse.Namespace) -> RouterConfig:
    config = load_config(os.environ)
    return config.with_overrides(
        supergraph_path=args.supergraph or args.supergraph_file,
        host=args.host,
        port=args.port,
        introspection=args.introspection,
        hot_reload=args.hot_reload,
        log_level=args.log_level.lower() if args.log_level else None,
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

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
    app = create_app(config, engine_factory=federated_engine, initial_engine=engine)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            log_config=None,
            access_log=False,
            server_header=False,
        )
    )
    server.run()
    return 0 if server.started else 1
