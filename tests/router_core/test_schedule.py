"""Identical entity fetches of one wave go to the subgraph as one call (``router.execution.schedule``)."""

from __future__ import annotations

from typing import Any

from graphql import parse

from router.execution import ExecutorConfig
from router.execution.schedule import build_schedule
from router.planning import QueryPlanner
from router.supergraph import load_supergraph
from tests.router_core.conftest import Router
from tests.router_core.fixtures import supergraph_sdl

TWO_PATHS = "{ topReviews { body author { name } } again: topReviews(first: 2) { author { name } } }"
# both fetches send the same body here: in-flight sharing would merge them too
UNSHARED = ExecutorConfig(batch_entity_fetches=False, dedupe_subgraph_requests=False)
BATCHED = ExecutorConfig(dedupe_subgraph_requests=False)  # only the schedule can make it one call


def sorted_errors(response: dict[str, Any]) -> list[Any]:
    return sorted((e.get("path"), e["message"]) for e in response.get("errors", []))


async def test_one_call_for_the_same_entity_fetch_at_two_paths(shop_router: Router) -> None:
    plan = shop_router.plan(TWO_PATHS)
    accounts = [f for f in plan.fetches if f.subgraph == "accounts"]
    assert len(accounts) == 2  # the plan keeps one fetch per path
    batched = await shop_router.run(TWO_PATHS, config=BATCHED)
    assert shop_router.subgraphs["accounts"].entity_calls() == [
        [{"__typename": "User", "id": "1"}, {"__typename": "User", "id": "2"}]  # shared by both paths
    ]
    shop_router.reset()
    separate = await shop_router.run(TWO_PATHS, config=UNSHARED)
    assert len(shop_router.subgraphs["accounts"].entity_calls()) == 2
    assert batched == separate
    assert batched["data"]["again"] == [{"author": {"name": "Ada Lovelace"}}, {"author": {"name": "Alan Turing"}}]


async def test_errors_of_a_shared_call_reach_every_path(shop_router: Router, shop_data) -> None:  # type: ignore[no-untyped-def]
    shop_data.broken_names.add("1")
    try:
        batched = await shop_router.run(TWO_PATHS, config=BATCHED)
        separate = await shop_router.run(TWO_PATHS, config=UNSHARED)
    finally:
        shop_data.broken_names.discard("1")
    assert batched["data"] == separate["data"]
    assert sorted_errors(batched) == sorted_errors(separate)
    paths = [path for path, _ in sorted_errors(batched)]
    assert ["again", 0, "author", "name"] in paths and ["topReviews", 0, "author", "name"] in paths


def test_only_fetches_of_the_same_wave_share() -> None:
    supergraph = load_supergraph(supergraph_sdl("catalog"))
    query = """{
      trending { ... on Book { title rating } ... on Podcast { title episodes } }
      search(term: "x") { __typename ... on Author { bio favourite { title } } ... on Movie { rating } }
    }"""
    plan = QueryPlanner(supergraph).plan(parse(query))
    same_text = [f for f in plan.fetches if f.subgraph == "media" and f.is_entity]
    assert len(same_text) == 2 and same_text[0].selection_text == same_text[1].selection_text
    schedule = build_schedule(plan)
    # one waits for the root fetch, the other for a later entity fetch: not sent together
    assert [len(b.paths) for b in schedule.batches if b.fetch.subgraph == "media" and b.fetch.is_entity] == [1, 1]
    # same wave, representations of other types (Book, Movie): one call
    ratings = [b for b in schedule.batches if b.fetch.subgraph == "ratings"]
    assert [b.paths for b in ratings] == [(("trending", "@"), ("search", "@"))]
    assert {name for f in plan.fetches if f.subgraph == "ratings" for name in f.inputs} == set(ratings[0].inputs)
    assert len(build_schedule(plan, share=False).batches) == len(plan.fetches)


async def test_a_cancelled_request_stops_its_fetches(shop_router: Router) -> None:
    import asyncio

    from router.execution import Executor

    shop_router.subgraphs["accounts"].delay = 2.0
    executor = Executor(shop_router.supergraph, config=UNSHARED)
    try:
        request = asyncio.create_task(executor.execute(shop_router.plan(TWO_PATHS), {}))
        await asyncio.sleep(0.3)  # reviews answered, both accounts calls in flight
        before = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
        request.cancel()
        try:
            await request
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError("the request was not cancelled")
        await asyncio.sleep(0.05)
        left = {t for t in before if not t.done() and "fetch" in repr(t.get_coro())}
        assert not left, left  # no fetch of the cancelled request runs on
    finally:
        shop_router.subgraphs["accounts"].delay = 0.0
        await executor.aclose()


async def test_a_finished_request_leaves_no_reference_cycle(shop_router: Router) -> None:
    # The response tree must be freed by reference counting when the request ends: a cycle
    # through the request (e.g. scheduling closures holding it) leaves every answer of every
    # request to the garbage collector, which then dominates the router's CPU under load.
    import gc

    from router.execution import Executor

    executor = Executor(shop_router.supergraph)
    plan = shop_router.plan(TWO_PATHS)
    answers: dict[bytes, tuple[int, bytes]] = {}
    real_send = executor._send

    async def recorded(fetch, body, run, timeout):  # type: ignore[no-untyped-def]
        answers[body] = await real_send(fetch, body, run, timeout)
        return answers[body]

    async def canned(fetch, body, run, timeout):  # type: ignore[no-untyped-def]
        # the test subgraphs run in this process: their own garbage must not be counted
        return answers[body]

    try:
        executor._send = recorded  # type: ignore[method-assign]
        await executor.execute(plan, {})  # warm: compiled shapes, schedule, recorded answers
        executor._send = canned  # type: ignore[method-assign]
        gc.collect()
        gc.disable()
        try:
            for _ in range(5):
                result = await executor.execute(plan, {})
                assert result["data"]["again"]
            del result
            garbage = gc.collect()
        finally:
            gc.enable()
        assert garbage < 20, garbage
    finally:
        await executor.aclose()
