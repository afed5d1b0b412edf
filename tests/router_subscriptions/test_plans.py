"""Subscription plans: one source fetch to the subgraph that owns the field, entity fetches per event."""

from __future__ import annotations

import pytest
from graphql import parse

from router.planning import PlanningError, QueryPlanner
from router.planning.subscriptions import subscription_plan
from router.supergraph import load_supergraph
from tests.router_subscriptions.conftest import Subgraphs


def test_the_source_fetch_and_the_rest(subgraphs: Subgraphs) -> None:
    planner = QueryPlanner(load_supergraph(subgraphs.supergraph_sdl))
    plan = planner.plan(parse("subscription S { reviewAdded { body product { name priceBand } } }"), "S")
    split = subscription_plan(plan)
    assert split.source.subgraph == "reviews"
    assert split.source.operation.startswith("subscription S__reviews__0")
    rest = [f for f in plan.fetches if f is not split.source]
    assert [(f.subgraph, f.is_entity, f.operation_kind) for f in rest] == [("products", True, "query"), ("reviews", True, "query")]
    assert all(f.depends_on for f in rest)


def test_queries_are_not_subscription_plans(subgraphs: Subgraphs) -> None:
    planner = QueryPlanner(load_supergraph(subgraphs.supergraph_sdl))
    with pytest.raises(PlanningError):
        subscription_plan(planner.plan(parse("{ reviewCount }")))
