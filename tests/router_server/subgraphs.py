"""Two small Strawberry subgraphs for end-to-end router tests (real HTTP, real planner/executor).

accounts owns ``User`` (``me`` needs a token, ``email`` a scope); reviews extends
``User`` with ``reviews`` and offers fields that are slow or fail, for timeout and
error-masking tests. Each app records the headers of the requests it receives.
"""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Authenticated, RequiresScopes

USERS = {"1": {"name": "Ann", "email": "ann@example.com"}, "2": {"name": "Bob", "email": "bob@example.com"}}
REVIEWS = [
    {"id": "r1", "body": "great", "author": "1"},
    {"id": "r2", "body": "meh", "author": "2"},
    {"id": "r3", "body": "fine", "author": "1"},
]


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str
    email: str | None = strawberry.federation.field(directives=[RequiresScopes(scopes=[["read:email"]])])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> "User":
        data = USERS[str(id)]
        return User(id=id, name=data["name"], email=data["email"])


@strawberry.type
class AccountsQuery:
    @strawberry.federation.field(directives=[Authenticated()])
    def me(self) -> User | None:
        return User.resolve_reference(strawberry.ID("1"))

    @strawberry.field
    def users(self) -> list[User]:
        return [User.resolve_reference(strawberry.ID(key)) for key in USERS]


@strawberry.federation.type(name="User", keys=["id"])
class ReviewsUser:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list["Review"]:
        return [Review(id=r["id"], body=r["body"], author_id=r["author"]) for r in REVIEWS if r["author"] == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> "ReviewsUser":
        return ReviewsUser(id=id)


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    author_id: strawberry.Private[str]

    @strawberry.field
    def author(self) -> ReviewsUser:
        return ReviewsUser(id=strawberry.ID(self.author_id))


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review(id=r["id"], body=r["body"], author_id=r["author"]) for r in REVIEWS]

    @strawberry.field
    async def slow(self) -> str | None:
        await asyncio.sleep(2)
        return "finally"

    @strawberry.field
    def boom(self) -> str | None:
        raise ValueError("database password is hunter2")


accounts_schema = strawberry.federation.Schema(query=AccountsQuery, types=[User])
reviews_schema = strawberry.federation.Schema(query=ReviewsQuery, types=[ReviewsUser, Review])


class RecordingGraphQL(GraphQL):
    """Strawberry's ASGI app that remembers the headers of every request."""

    def __init__(self, schema: Any) -> None:
        super().__init__(schema, graphql_ide=None)
        self.seen_headers: list[dict[str, str]] = []
        self.seen_queries: list[str] = []

    async def get_context(self, request: Any, response: Any) -> Any:
        self.seen_headers.append({k.lower(): v for k, v in request.headers.items()})
        return await super().get_context(request, response)

    async def process_result(self, request: Any, result: Any) -> Any:
        return await super().process_result(request, result)

    async def parse_http_body(self, request_adapter: Any) -> Any:
        data = await super().parse_http_body(request_adapter)
        self.seen_queries.append(data.query or "")
        return data


def apps() -> dict[str, RecordingGraphQL]:
    return {"accounts": RecordingGraphQL(accounts_schema), "reviews": RecordingGraphQL(reviews_schema)}


def sdls() -> dict[str, str]:
    return {"accounts": accounts_schema.as_str(), "reviews": reviews_schema.as_str()}


def service_sdls() -> dict[str, str]:
    """What each subgraph answers to ``{ _service { sdl } }`` (the composition input)."""
    result = {}
    for name, schema in (("accounts", accounts_schema), ("reviews", reviews_schema)):
        executed = schema.execute_sync("{ _service { sdl } }")
        assert executed.errors is None, executed.errors
        result[name] = executed.data["_service"]["sdl"]
    return result


def compose_with_apollo(urls: dict[str, str]) -> str:
    """The supergraph composed by @apollo/composition (needs node and tools/node)."""
    import json
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sdl = service_sdls()
    completed = subprocess.run(
        ["node", str(Path(__file__).with_name("compose_fixture.cjs"))],
        input=json.dumps({name: {"url": urls[name], "sdl": sdl[name]} for name in sdl}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(root / "tools" / "node" / "node_modules")},
    )
    return completed.stdout
