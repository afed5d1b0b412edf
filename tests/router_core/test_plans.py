"""Plan shapes, through the plan printer (what ``python -m router plan`` shows)."""

from __future__ import annotations

import subprocess
import sys
from textwrap import dedent

import pytest
from graphql import parse

from router.planning import PlanningError, QueryPlanner
from router.supergraph import load_supergraph
from tests.router_core.fixtures import FIXTURES, supergraph_sdl


@pytest.fixture(scope="module")
def shop() -> QueryPlanner:
    return QueryPlanner(load_supergraph(supergraph_sdl("shop")))


@pytest.fixture(scope="module")
def catalog() -> QueryPlanner:
    return QueryPlanner(load_supergraph(supergraph_sdl("catalog")))


def plan_text(planner: QueryPlanner, query: str, variables: dict | None = None) -> str:
    return planner.plan(parse(query), variables=variables or {}).describe()


def test_jumps_requires_and_key_bridging(shop: QueryPlanner) -> None:
    text = plan_text(shop, "{ topReviews { body author { name } product { inStock shippingEstimate } } }")
    assert text == dedent(
        """\
        QueryPlan {
          Sequence {
            Fetch(service: "reviews", id: 0) {
              { topReviews { body author { __typename id } product { __typename sku } } }
            },
            Parallel {
              Flatten(path: "topReviews.@.author") {
                Fetch(service: "accounts", id: 1, after: [0]) {
                  { ... on User { __typename id } } =>
                  { ... on User { name } }
                },
              },
              Flatten(path: "topReviews.@.product") {
                Fetch(service: "products", id: 2, after: [0]) {
                  { ... on Product { __typename sku } } =>
                  { ... on Product { upc price weight } }
                },
              },
            },
            Flatten(path: "topReviews.@.product") {
              Fetch(service: "inventory", id: 3, after: [2]) {
                { ... on Product { __typename upc price weight } } =>
                { ... on Product { inStock shippingEstimate } }
              },
            },
          },
        }"""
    )


def test_mutation_fields_are_a_strict_sequence(shop: QueryPlanner) -> None:
    text = plan_text(
        shop,
        'mutation { addReview(upc: "upc-1", body: "x") { id product { name } } renameUser(id: "1", name: "y") { name } }',
    )
    assert text == dedent(
        """\
        QueryPlan {
          Sequence {
            Fetch(service: "reviews", id: 0) {
              mutation { addReview(upc: "upc-1", body: "x") { id product { __typename sku } } }
            },
            Flatten(path: "addReview.product") {
              Fetch(service: "products", id: 1, after: [0]) {
                { ... on Product { __typename sku } } =>
                { ... on Product { name } }
              },
            },
            Fetch(service: "accounts", id: 2, after: [1]) {
              mutation { renameUser(id: "1", name: "y") { name } }
            },
          },
        }"""
    )


def test_independent_root_fields_are_parallel_and_shareable_fields_stay(shop: QueryPlanner) -> None:
    text = plan_text(shop, "{ me { name username } products { name } }")
    assert text == dedent(
        """\
        QueryPlan {
          Parallel {
            Fetch(service: "accounts", id: 0) {
              { me { name username } }
            },
            Fetch(service: "products", id: 1) {
              { products { name } }
            },
          },
        }"""
    )


def test_provides_only_where_provided(shop: QueryPlanner) -> None:
    provided = shop.plan(parse("{ topReviews { author { username } } }"))
    assert [f.subgraph for f in provided.fetches] == ["reviews"]
    # username still comes from reviews' @provides; only name needs the jump
    partly = shop.plan(parse("{ topReviews { author { username name } } }"))
    assert [(f.subgraph, f.selection_text) for f in partly.fetches] == [
        ("reviews", "topReviews { author { username __typename id } }"),
        ("accounts", "... on User { name }"),
    ]


def test_interface_object_shared_fields_then_real_types(catalog: QueryPlanner) -> None:
    text = plan_text(catalog, "{ topRated { ... on Book { pages } rating } }")
    assert text == dedent(
        """\
        QueryPlan {
          Sequence {
            Fetch(service: "ratings", id: 0) {
              { topRated { __typename rating id } }
            },
            Flatten(path: "topRated.@") {
              Fetch(service: "media", id: 1, after: [0]) {
                { ... on Media { __typename id } } =>
                { ... on Media { __typename ... on Book { pages } } }
              },
            },
          },
        }"""
    )


def test_skip_include_variables_select_different_cached_plans(shop: QueryPlanner) -> None:
    query = "query ($x: Boolean!) { products { name inStock @include(if: $x) } }"
    document = parse(query)
    with_stock = shop.plan_cached(query, document, None, {"x": True})
    without = shop.plan_cached(query, document, None, {"x": False})
    assert [f.subgraph for f in with_stock.fetches] == ["products", "inventory"]
    assert [f.subgraph for f in without.fetches] == ["products"]
    assert shop.plan_cached(query, document, None, {"x": True}) is with_stock
    assert shop.plan_cached(query, parse(query), None, {"x": False}) is without


def test_plan_cache_is_bounded(shop: QueryPlanner) -> None:
    small = QueryPlanner(shop.supergraph, cache_size=2)
    for first in range(5):
        query = f"{{ products(first: {first}) {{ name }} }}"
        small.plan_cached(query, parse(query))
    assert small.cache_size == 2


def test_unresolvable_field_is_a_planning_error() -> None:
    planner = QueryPlanner(load_supergraph(supergraph_sdl("unreachable")))
    with pytest.raises(PlanningError, match='Cannot plan field "Node.field"'):
        planner.plan(parse("{ a { field } }"))
    assert [f.subgraph for f in planner.plan(parse("{ b { field } }")).fetches] == ["b"]


def test_plan_cli_prints_plan_and_subgraph_operations() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "router", "plan", "--supergraph", str(FIXTURES / "shop" / "supergraph.graphql"),
         "--query", "query Top { topReviews { author { name } } }", "--operations"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert 'Fetch(service: "accounts", id: 1, after: [0])' in completed.stdout
    assert "query Top__accounts__1($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { name } } }" in completed.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "router", "plan", "--supergraph", str(FIXTURES / "shop" / "supergraph.graphql"),
         "--query", "{ nope }"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert bad.returncode == 1
    assert "Cannot query field 'nope' on type 'Query'." in bad.stderr


def test_identical_per_type_selections_fold_into_the_interface(catalog: QueryPlanner) -> None:
    folded = catalog.plan(parse("{ media { id title } }"))
    assert [f.selection_text for f in folded.fetches] == ["media { __typename id title }"]
    # different selections per type stay as fragments
    split = catalog.plan(parse("{ media { id ... on Movie { minutes } } }"))
    assert split.fetches[0].selection_text == "media { __typename ... on Book { id } ... on Movie { id minutes } }"
