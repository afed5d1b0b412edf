"""The router as an ASGI app: the GraphQL endpoint, ``/health``, startup and shutdown.

The supergraph is loaded in the lifespan, before the first request is accepted, so
``/health`` answering 200 means the graph is loaded and the router can plan. A
supergraph that fails to load stops startup with its error instead of serving 500s.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response
from starlette.types import Receive, Scope, Send

from router.auth import Authenticator
from router.config import RouterConfig
from router.gateway.engine import Engine, FederatedEngine
from router.gateway.pipeline import Gateway
from router.server.http import GraphQLEndpoint, health_payload

log = logging.getLogger("router.server.startup")

EngineFactory = Callable[[RouterConfig], Engine]


class SupergraphFileError(RuntimeError):
    pass


class _AllMethods:
    """An ASGI wrapper so Starlette routes every method to the handler (it answers 405 itself)."""

    def __init__(self, handler: Callable[[Request], object]) -> None:
        self._app = request_response(handler)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def federated_engine(config: RouterConfig) -> Engine:
    """Load ``config.supergraph_path`` with the core and wrap it for the pipeline."""
    from router.supergraph import load_supergraph

    if not config.supergraph_path:
        raise SupergraphFileError("no supergraph given: pass --supergraph FILE or set SUPERGRAPH_PATH")
    path = Path(config.supergraph_path)
    try:
        sdl = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SupergraphFileError(f"cannot read supergraph {path}: {error.strerror or error}") from None
    return FederatedEngine(load_supergraph(sdl), config)


def create_app(config: RouterConfig, engine_factory: EngineFactory = federated_engine) -> Starlette:
    endpoint = GraphQLEndpoint(config)
    state: dict[str, Engine] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        engine = engine_factory(config)
        state["engine"] = engine
        authenticator = Authenticator(config.auth)
        endpoint.authenticator = authenticator
        endpoint.gateway = Gateway(engine, config, authenticator)
        subgraphs = getattr(getattr(engine, "supergraph", None), "subgraphs", {})
        log.info(
            "router ready",
            extra={
                "graphql_path": config.graphql_path,
                "subgraphs": {name: getattr(info, "url", None) for name, info in subgraphs.items()},
                "introspection": config.introspection,
                "jwt": authenticator.enabled,
            },
        )
        if not authenticator.enabled:
            log.warning("SECRET_KEY is not set: bearer tokens are not verified and every caller is anonymous")
        try:
            yield
        finally:
            endpoint.gateway = None
            await engine.aclose()

    async def health(_request: Request) -> Response:
        return health_payload(endpoint.gateway is not None)

    middleware = []
    if config.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(config.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["content-type", "authorization", *config.csrf_headers],
                allow_credentials="*" not in config.cors_origins,
                max_age=600,
            )
        )
    routes = [
        Route(config.graphql_path, _AllMethods(endpoint.__call__)),
        Route("/health", health, methods=["GET"]),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.endpoint = endpoint
    return app
