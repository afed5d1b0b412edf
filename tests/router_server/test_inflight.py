"""Inbound de-duplication (``router.server.inflight``): unit behaviour, then through the real server.

The server tests run a Strawberry subgraph on real HTTP whose fields are slow, so
concurrent client requests overlap, and count how often the subgraph really ran.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from router.composition.compose import SubgraphInput, compose
from router.config import AuthSettings, RouterConfig
from router.server.app import create_app
from router.server.inflight import InflightRequests, header_key
from tests.router_server.conftest import SECRET, make_token
from tests.support.servers import serve_app

# --------------------------------------------------------------------------- unit


async def test_overlapping_callers_share_one_production() -> None:
    inflight: InflightRequests[str] = InflightRequests()
    runs = 0

    async def produce() -> tuple[str, bool]:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        return f"answer {runs}", True

    answers = await asyncio.gather(*(inflight.run("k", produce) for _ in range(5)))
    assert answers == ["answer 1"] * 5 and runs == 1 and len(inflight) == 0
    assert await inflight.run("k", produce) == "answer 2"  # not a cache: later callers run again


async def test_unshareable_answers_are_produced_per_caller_and_remembered() -> None:
    inflight: InflightRequests[int] = InflightRequests()
    runs = active = most_active = 0

    async def produce() -> tuple[int, bool]:
        nonlocal runs, active, most_active
        runs += 1
        mine = runs
        active += 1
        most_active = max(most_active, active)
        await asyncio.sleep(0.02)
        active -= 1
        return mine, False

    answers = await asyncio.gather(*(inflight.run("mutation", produce) for _ in range(4)))
    assert sorted(answers) == [1, 2, 3, 4]
    assert most_active == 3  # the first caller ran alone; the three who waited for it then ran together
    # remembered: the next identical callers do not wait for each other at all
    most_active = 0
    await asyncio.gather(*(inflight.run("mutation", produce) for _ in range(4)))
    assert runs == 8 and most_active == 4


async def test_a_failing_leader_does_not_fail_its_followers() -> None:
    inflight: InflightRequests[str] = InflightRequests()
    calls = 0

    async def produce() -> tuple[str, bool]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        if calls == 1:
            raise RuntimeError("leader broke")
        return "follower's own", True

    leader = asyncio.ensure_future(inflight.run("k", produce))
    await asyncio.sleep(0)
    follower = asyncio.ensure_future(inflight.run("k", produce))
    with pytest.raises(RuntimeError):
        await leader
    assert await follower == "follower's own"


async def test_a_cancelled_follower_leaves_the_others_their_answer() -> None:
    inflight: InflightRequests[str] = InflightRequests()

    async def produce() -> tuple[str, bool]:
        await asyncio.sleep(0.05)
        return "shared", True

    leader = asyncio.ensure_future(inflight.run("k", produce))
    await asyncio.sleep(0)
    quitter = asyncio.ensure_future(inflight.run("k", produce))
    stayer = asyncio.ensure_future(inflight.run("k", produce))
    await asyncio.sleep(0.01)
    quitter.cancel()
    assert await leader == "shared" and await stayer == "shared"
    assert quitter.cancelled()


def test_header_key_ignores_framing_and_order_but_not_credentials() -> None:
    a = header_key({"authorization": "Bearer x", "content-length": "10", "accept": "*/*"})
    b = header_key({"accept": "*/*", "content-length": "99", "authorization": "Bearer x", "connection": "keep-alive"})
    c = header_key({"accept": "*/*", "authorization": "Bearer y"})
    assert a == b and a != c


# --------------------------------------------------------------------------- the real server

CALLS: Counter[str] = Counter()
SLOW_SECONDS = 1.0  # long enough that concurrent client requests overlap even on a busy machine


@strawberry.type
class Query:
    @strawberry.field
    async def whoami(self, info: strawberry.Info, tag: str = "") -> str:
        CALLS["whoami"] += 1
        await asyncio.sleep(SLOW_SECONDS)
        return f"{info.context['request'].headers.get('authorization', 'anonymous')}|{tag}"


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def bump(self) -> int:
        CALLS["bump"] += 1
        mine = CALLS["bump"]
        await asyncio.sleep(0.2)
        return mine


SCHEMA = strawberry.federation.Schema(query=Query, mutation=Mutation)


@pytest.fixture(scope="module")
def start_router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    subgraph = serve_app(Starlette(routes=[Route("/graphql", GraphQL(SCHEMA, graphql_ide=None))]))
    url = subgraph.__enter__().url + "/graphql"
    sdl = SCHEMA.execute_sync("{ _service { sdl } }").data["_service"]["sdl"]  # type: ignore[index]
    composed = compose([SubgraphInput("echo", url, sdl)])
    assert composed.ok, composed.errors
    path = Path(tmp_path_factory.mktemp("inflight")) / "supergraph.graphql"
    path.write_text(composed.supergraph_sdl or "")
    contexts = [subgraph]

    def start(**overrides: Any) -> str:
        config = RouterConfig(
            supergraph_path=str(path),
            auth=AuthSettings(secret_key=SECRET),
            dedupe_subgraph_requests=False,  # so what is measured is the inbound de-duplication
            **overrides,
        )
        context = serve_app(create_app(config))
        contexts.append(context)
        return context.__enter__().url + "/graphql"

    yield start
    for context in reversed(contexts):
        context.__exit__(None, None, None)


async def post_all(url: str, bodies: list[tuple[dict[str, Any], str | None]]) -> list[Any]:
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(body: dict[str, Any], token: str | None) -> Any:
            headers = {"authorization": f"Bearer {token}"} if token else {}
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code == 200, response.text
            return response.json()

        return await asyncio.gather(*(one(body, token) for body, token in bodies))


async def test_identical_concurrent_queries_execute_once(start_router: Callable[..., str]) -> None:
    url = start_router()
    token = make_token(sub="u1")
    CALLS.clear()
    answers = await post_all(url, [({"query": "{ whoami }"}, token)] * 10)
    assert answers == [{"data": {"whoami": f"Bearer {token}|"}}] * 10
    assert CALLS["whoami"] == 1


async def test_callers_with_other_credentials_or_variables_never_share(start_router: Callable[..., str]) -> None:
    url = start_router()
    alice, bob = make_token(sub="alice"), make_token(sub="bob")
    query = {"query": "query($t: String!) { whoami(tag: $t) }", "variables": {"t": "x"}}
    other_tag = {**query, "variables": {"t": "y"}}
    CALLS.clear()
    bodies = [(query, alice)] * 4 + [(query, bob)] * 4 + [(other_tag, alice)] * 2 + [(query, None)] * 2
    answers = await post_all(url, bodies)
    expected = (
        [f"Bearer {alice}|x"] * 4 + [f"Bearer {bob}|x"] * 4 + [f"Bearer {alice}|y"] * 2 + ["anonymous|x"] * 2
    )
    assert [answer["data"]["whoami"] for answer in answers] == expected
    assert CALLS["whoami"] == 4  # alice/x, bob/x, alice/y, anonymous/x


async def test_identical_concurrent_mutations_each_run(start_router: Callable[..., str]) -> None:
    url = start_router()
    token = make_token(sub="u1")
    CALLS.clear()
    answers = await post_all(url, [({"query": "mutation { bump }"}, token)] * 5)
    assert sorted(answer["data"]["bump"] for answer in answers) == [1, 2, 3, 4, 5]
    assert CALLS["bump"] == 5


async def test_switched_off_every_request_executes(start_router: Callable[..., str]) -> None:
    url = start_router(dedupe_requests=False)
    CALLS.clear()
    answers = await post_all(url, [({"query": "{ whoami }"}, None)] * 4)
    assert answers == [{"data": {"whoami": "anonymous|"}}] * 4
    assert CALLS["whoami"] == 4
