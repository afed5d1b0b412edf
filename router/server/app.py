"""The router as an ASGI app: the GraphQL endpoint, ``/health``, startup, reload, shutdown.

The supergraph is loaded before the first request is accepted, so ``/health``
answering 200 means the graph is loaded and the router can plan. With hot reload, a
changed supergraph file is loaded beside the running one and swapped in atomically;
a file that fails to load is logged and the running graph keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from router.auth import Authenticator
from router.config import RouterConfig
from router.gateway.engine import Engine, FederatedEngine
from router.gateway.pipeline import Gateway
from router.server.http import GraphQLEndpoint
from router.server.subscription_routes import SubscriptionRoutes

log = logging.getLogger("router.server.startup")

EngineFactory = Callable[[RouterConfig], Engine]
RELOAD_POLL_SECONDS = 1.0


class SupergraphFileError(RuntimeError):
    pass


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


def _file_stamp(path: str | None) -> tuple[float, int] | None:
    if not path:
        return None
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return (stat.st_mtime, stat.st_size)


class RouterRuntime:
    """Owns the live engine and swaps it on reload; the endpoint reads ``gateway`` per request."""

    def __init__(self, config: RouterConfig, endpoint: GraphQLEndpoint, factory: EngineFactory) -> None:
        self.config = config
        self.endpoint = endpoint
        self.factory = factory
        self.authenticator = Authenticator(config.auth)
        self.engine: Engine | None = None
        self.reloads = 0
        self._retired: set[asyncio.Task[None]] = set()

    def install(self, engine: Engine) -> None:
        self.engine = engine
        self.endpoint.authenticator = self.authenticator
        self.endpoint.gateway = Gateway(engine, self.config, self.authenticator)

    async def watch(self) -> None:
        """Poll the supergraph file; load and swap in a changed one."""
        stamp = _file_stamp(self.config.supergraph_path)
        while True:
            await asyncio.sleep(RELOAD_POLL_SECONDS)
            current = _file_stamp(self.config.supergraph_path)
            if current is None or current == stamp:
                continue
            stamp = current
            try:
                engine = await asyncio.to_thread(self.factory, self.config)
            except Exception as error:  # noqa: BLE001 - keep serving the old graph, say why
                log.error("supergraph reload failed; still serving the previous one", extra={"error": str(error)})
                continue
            old = self.engine
            self.install(engine)
            self.reloads += 1
            log.warning("supergraph reloaded", extra={"path": self.config.supergraph_path})
            if old is not None:
                task = asyncio.create_task(self._retire(old))
                self._retired.add(task)
                task.add_done_callback(self._retired.discard)

    async def _retire(self, engine: Engine) -> None:
        # In-flight requests still use the old engine; close it once they are surely done.
        await asyncio.sleep(min(self.config.request_timeout, 30.0))
        await engine.aclose()

    async def close(self) -> None:
        self.endpoint.gateway = None
        for task in list(self._retired):
            task.cancel()
        if self.engine is not None:
            await self.engine.aclose()


class RouterApp(Starlette):
    """Starlette, with plain HTTP requests to the GraphQL path handed straight to its handler.

    Starlette's error and exception middleware and its router cost about a tenth of the
    CPU of a whole federated request; the GraphQL handler answers every error itself, so
    on its exact paths they add nothing. Everything else (health, WebSockets, other
    paths, trailing-slash redirects, lifespan) goes through Starlette as usual.
    """

    fast_paths: Mapping[str, ASGIApp] = MappingProxyType({})  # set per app by create_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            handler = self.fast_paths.get(scope["path"])
            if handler is not None:
                scope["app"] = self
                await handler(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(
    config: RouterConfig,
    engine_factory: EngineFactory = federated_engine,
    *,
    initial_engine: Engine | None = None,
) -> Starlette:
    endpoint = GraphQLEndpoint(config)
    runtime = RouterRuntime(config, endpoint, engine_factory)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        runtime.install(initial_engine or engine_factory(config))
        engine = runtime.engine
        subgraphs = getattr(getattr(engine, "supergraph", None), "subgraphs", {})
        log.info(
            "router ready",
            extra={
                "graphql_path": config.graphql_path,
                "subgraphs": {name: getattr(info, "url", None) for name, info in subgraphs.items()},
                "introspection": config.introspection,
                "jwt": runtime.authenticator.enabled,
            },
        )
        if not runtime.authenticator.enabled:
            log.warning("SECRET_KEY is not set: bearer tokens are not verified and every caller is anonymous")
        watcher = asyncio.create_task(runtime.watch()) if config.hot_reload else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await runtime.close()

    async def health(_request: Request) -> Response:
        if endpoint.gateway is None:
            return JSONResponse({"status": "DOWN"}, status_code=503)
        return JSONResponse({"status": "UP"})

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
    # The endpoint is an ASGI app (not a function) so every method reaches it; it answers 405
    # itself. It also answers at "/" (Apollo Router's default path) so clients and tools
    # configured for either convention work.
    # With subscriptions on, a streaming front (SSE, multipart) and a WebSocket route share the path.
    graphql = SubscriptionRoutes(config, endpoint)
    routes = [*graphql.routes(config.graphql_path), Route("/health", health, methods=["GET"])]
    if config.graphql_path != "/":
        routes.extend(graphql.routes("/"))
    app = RouterApp(routes=routes, middleware=middleware, lifespan=lifespan)
    if not middleware:  # with CORS every request must pass through its middleware
        front = graphql.http or endpoint
        app.fast_paths = {config.graphql_path: front, "/": front}
    app.state.endpoint = endpoint
    app.state.runtime = runtime
    app.state.subscriptions = graphql
    return app
