"""Fixtures: the test subgraphs on real sockets, and routers over them with chosen settings."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import jwt
import pytest
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute

from router.composition.compose import SubgraphInput, compose
from router.config import AuthSettings, RouterConfig
from router.gateway.engine import FederatedEngine
from router.server.app import create_app
from router.subscription_settings import SubscriptionSettings
from router.supergraph import load_supergraph
from tests.router_subscriptions.subgraphs import BROKER, apps, products_schema, reviews_schema, service_sdl
from tests.support.servers import ThreadedServer, serve_app

SECRET = "router-subscription-tests-secret-0123456789abcdef-0123456789abcdef"


def token(sub: str = "1", scope: str = "", exp: float | None = None, key: str = SECRET) -> str:
    claims = {"sub": sub, "exp": int(exp if exp is not None else time.time() + 300), "scope": scope}
    return jwt.encode(claims, key, algorithm="HS256")


@dataclass
class Subgraphs:
    servers: dict[str, ThreadedServer]
    supergraph_sdl: str

    def url(self, name: str) -> str:
        return self.servers[name].url + "/graphql"


@pytest.fixture(scope="module")
def subgraphs() -> Iterator[Subgraphs]:
    servers = {
        name: ThreadedServer(Starlette(routes=[Route("/graphql", app), WebSocketRoute("/graphql", app)])).start()
        for name, app in apps().items()
    }
    try:
        result = compose(
            [
                SubgraphInput("reviews", servers["reviews"].url + "/graphql", service_sdl(reviews_schema)),
                SubgraphInput("products", servers["products"].url + "/graphql", service_sdl(products_schema)),
            ]
        )
        assert result.ok, result.errors
        yield Subgraphs(servers, result.supergraph_sdl or "")
    finally:
        for server in servers.values():
            server.stop()


@dataclass
class Router:
    url: str  # the GraphQL endpoint
    app: Any

    @property
    def slots(self) -> Any:
        return self.app.state.subscriptions.slots


@pytest.fixture
def start_router(subgraphs: Subgraphs) -> Iterator[Callable[..., Router]]:
    """``start_router(**subscription_settings)``: a router over the test subgraphs, served by uvicorn."""
    stack: list[Any] = []

    def start(config: RouterConfig | None = None, **settings: Any) -> Router:
        base = config or RouterConfig(auth=AuthSettings(secret_key=SECRET))
        config = replace(base, subscriptions=replace(SubscriptionSettings(), **settings))
        engine = FederatedEngine(load_supergraph(subgraphs.supergraph_sdl), config)
        app = create_app(config, initial_engine=engine)
        context = serve_app(app)
        server = context.__enter__()
        stack.append(context)
        return Router(server.url + "/graphql", app)

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture
def router(start_router: Callable[..., Router]) -> Router:
    return start_router()


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def broker_idle() -> bool:
    return BROKER.active == 0
