"""Root ``__typename`` and introspection answered by the router, executed once per (operation, variables)."""

from __future__ import annotations

from typing import Any

from graphql import parse

from router.execution import Executor
from router.planning import QueryPlanner
from router.supergraph import load_supergraph
from tests.router_core.fixtures import supergraph_sdl


async def run(executor: Executor, planner: QueryPlanner, query: str, variables: dict[str, Any] | None = None) -> Any:
    plan = planner.plan_cached(query, parse(query), None, variables or {})
    return await executor.execute(plan, variables or {})


async def test_local_answers_are_reused_per_variables_and_never_shared(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import router.execution.executor as executor_module

    supergraph = load_supergraph(supergraph_sdl("shop"))
    planner = QueryPlanner(supergraph)
    executor = Executor(supergraph)
    executions = []
    real_execute = executor_module.execute

    def counting_execute(*args: Any, **kwargs: Any) -> Any:
        executions.append(kwargs.get("variable_values"))
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(executor_module, "execute", counting_execute)
    try:
        first = await run(executor, planner, "{ __typename t: __typename }")
        assert first == {"data": {"__typename": "Query", "t": "Query"}}
        first["data"]["__typename"] = "changed by a caller"
        assert await run(executor, planner, "{ __typename t: __typename }") == {"data": {"__typename": "Query", "t": "Query"}}
        assert len(executions) == 1

        query = "query($n: String!) { __type(name: $n) { name kind } }"
        assert await run(executor, planner, query, {"n": "Product"}) == {"data": {"__type": {"name": "Product", "kind": "OBJECT"}}}
        assert await run(executor, planner, query, {"n": "Nope"}) == {"data": {"__type": None}}
        assert await run(executor, planner, query, {"n": "Product"}) == {"data": {"__type": {"name": "Product", "kind": "OBJECT"}}}
        assert executions[1:] == [{"n": "Product"}, {"n": "Nope"}]
    finally:
        await executor.aclose()
