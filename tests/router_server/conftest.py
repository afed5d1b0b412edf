"""Fixtures: the router app over a local engine, served for real by uvicorn on a free port."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest

from router.config import AuthSettings, Limits, RouterConfig
from router.server.app import create_app
from tests.router_server.local_engine import LocalEngine
from tests.support.servers import ThreadedServer, serve_app

SECRET = "router-server-tests-secret-key-0123456789abcdef-0123456789abcdef"

AUTH_DIRECTIVES = """
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
"""

SDL = AUTH_DIRECTIVES + """
type Query {
  hello(name: String = "world"): String!
  product(id: ID!): Product
  products: [Product!]!
  me: User @authenticated
  posts: [Post!]!
  search: [SearchResult!]!
  secret: String @requiresScopes(scopes: [["admin"], ["ops", "read:secret"]])
  billing: String @policy(policies: [["billing"]])
  node: Node
  version: Int!
}
type Mutation { setGreeting(text: String!): String! }
type Product { id: ID! name: String! price: Float @authenticated cost: Float @requiresScopes(scopes: [["admin"]]) reviews: [Review!]! }
type Review { body: String! author: User }
type User @authenticated { id: ID! name: String! email: String @requiresScopes(scopes: [["read:email"]]) favorite: Product }
interface Post { id: ID! title: String! }
type PublicPost implements Post { id: ID! title: String! }
type PrivatePost implements Post @authenticated { id: ID! title: String! }
union SearchResult = Product | PrivatePost
interface Node { id: ID! }
type Thing implements Node { id: ID! label: String }
"""

PRODUCTS = [
    {"id": "p1", "name": "Lamp", "price": 10.5, "cost": 4.0, "reviews": [{"body": "bright", "author": {"id": "u1", "name": "Ann", "email": "ann@x"}}]},
    {"id": "p2", "name": "Desk", "price": 99.0, "cost": 40.0, "reviews": []},
]


def root_value() -> dict[str, Any]:
    return {
        "hello": lambda _info, name="world": f"hello {name}",
        "product": lambda _info, id: next((p for p in PRODUCTS if p["id"] == id), None),
        "products": lambda _info: PRODUCTS,
        "me": lambda _info: {"id": "u1", "name": "Ann", "email": "ann@x"},
        "posts": lambda _info: [
            {"__typename": "PublicPost", "id": "1", "title": "open"},
            {"__typename": "PrivatePost", "id": "2", "title": "closed"},
        ],
        "search": lambda _info: [{"__typename": "Product", **PRODUCTS[0]}],
        "secret": lambda _info: "s3cr3t",
        "billing": lambda _info: "invoice",
        "node": lambda _info: {"__typename": "Thing", "id": "t1", "label": "x"},
        "version": lambda _info: 3,
        "setGreeting": lambda _info, text: text,
    }


def make_config(**overrides: Any) -> RouterConfig:
    limits = overrides.pop("limits", Limits())
    auth = overrides.pop("auth", AuthSettings(secret_key=SECRET, policies={"billing": {"scopes": ["finance"]}}))
    return RouterConfig(limits=limits, auth=auth, **overrides)


class RouterUnderTest:
    def __init__(self, server: ThreadedServer, engine: LocalEngine, config: RouterConfig) -> None:
        self.server = server
        self.engine = engine
        self.config = config
        self.client = httpx.Client(base_url=server.url, timeout=10)

    @property
    def url(self) -> str:
        return self.server.url + self.config.graphql_path

    def post(self, body: Any, *, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(self.config.graphql_path, json=body, headers=headers or {}, **kwargs)

    def query(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None, **extra: Any) -> httpx.Response:
        headers = {"accept": "application/graphql-response+json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        body: dict[str, Any] = {"query": query, **extra}
        if variables is not None:
            body["variables"] = variables
        return self.post(body, headers=headers)


@pytest.fixture(scope="module")
def start_router() -> Iterator[Callable[..., RouterUnderTest]]:
    """Start routers with given settings; all are stopped when the module ends."""
    stack: list[Any] = []

    def start(**overrides: Any) -> RouterUnderTest:
        config = make_config(**overrides)
        engine = LocalEngine(SDL, root_value())
        context = serve_app(create_app(config, engine_factory=lambda _config: engine))
        server = context.__enter__()
        stack.append(context)
        return RouterUnderTest(server, engine, config)

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture(scope="module")
def router(start_router: Callable[..., RouterUnderTest]) -> RouterUnderTest:
    return start_router()


def make_token(*, sub: Any = "u1", expires_in: int = 300, secret: str = SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": sub, "iat": now, "exp": now + expires_in, **claims}
    return jwt.encode(payload, secret, algorithm=algorithm)
