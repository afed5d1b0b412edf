"""Fixtures for the router core tests: test graphs served over real HTTP, router core on top."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import parse, validate

from router.execution import Executor, ExecutorConfig
from router.planning import QueryPlan, QueryPlanner
from router.supergraph import Supergraph, load_supergraph
from tests.router_core.fixtures import supergraph_sdl
from tests.router_core.graphs.shop import ShopData, shop_subgraphs
from tests.router_core.subgraph_kit import Subgraph, serve_subgraphs


@dataclass
class Router:
    """The router core over one test graph: plan + execute, like the gateway does."""

    supergraph: Supergraph
    planner: QueryPlanner
    subgraphs: dict[str, Subgraph]

    def plan(self, query: str, variables: dict[str, Any] | None = None, operation_name: str | None = None) -> QueryPlan:
        document = parse(query)
        errors = validate(self.supergraph.api_schema, document)
        assert not errors, errors
        return self.planner.plan_cached(query, document, operation_name, variables or {})

    async def run(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
        config: ExecutorConfig | None = None,
    ) -> dict[str, Any]:
        plan = self.plan(query, variables, operation_name)
        executor = Executor(self.supergraph, config=config)
        try:
            return await executor.execute(plan, variables or {}, headers=headers or {})
        finally:
            await executor.aclose()

    def reset(self) -> None:
        for subgraph in self.subgraphs.values():
            subgraph.requests.clear()


def make_router(graph: str, subgraphs: dict[str, Subgraph], urls: dict[str, str]) -> Router:
    supergraph = load_supergraph(supergraph_sdl(graph)).with_subgraph_urls(urls)
    return Router(supergraph, QueryPlanner(supergraph), subgraphs)


@pytest.fixture(scope="module")
def shop_data() -> ShopData:
    return ShopData()


@pytest.fixture(scope="module")
def shop(shop_data: ShopData) -> Iterator[Router]:
    subgraphs = shop_subgraphs(shop_data)
    with serve_subgraphs(*subgraphs.values()) as urls:
        yield make_router("shop", subgraphs, urls)


@pytest.fixture
def shop_router(shop: Router) -> Router:
    shop.reset()
    return shop


@pytest.fixture(scope="module")
def catalog() -> Iterator[Router]:
    from tests.router_core.graphs.catalog import catalog_subgraphs

    subgraphs = catalog_subgraphs()
    with serve_subgraphs(*subgraphs.values()) as urls:
        yield make_router("catalog", subgraphs, urls)


@pytest.fixture
def catalog_router(catalog: Router) -> Router:
    catalog.reset()
    return catalog


@pytest.fixture(scope="module")
def fed1() -> Iterator[Router]:
    from tests.router_core.graphs.fed1 import fed1_subgraphs

    subgraphs = fed1_subgraphs()
    with serve_subgraphs(*subgraphs.values()) as urls:
        yield make_router("fed1", subgraphs, urls)


@pytest.fixture
def fed1_router(fed1: Router) -> Router:
    fed1.reset()
    return fed1


@pytest.fixture(scope="module")
def context_graph() -> Iterator[Router]:
    from tests.router_core.graphs.context import context_subgraphs

    subgraphs = context_subgraphs()
    with serve_subgraphs(*subgraphs.values()) as urls:
        router = make_router("context", subgraphs, urls)
        router.reset()
        yield router
