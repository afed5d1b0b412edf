"""Planning + execution over the shop graph, four Python subgraphs over real HTTP."""

from __future__ import annotations

import pytest

from tests.router_core.conftest import Router


async def test_entity_jumps_merge_in_request_order(shop_router: Router) -> None:
    result = await shop_router.run("{ products { name reviews { body author { name } } } }")
    assert result == {
        "data": {
            "products": [
                {
                    "name": "Table",
                    "reviews": [
                        {"body": "Great table", "author": {"name": "Ada Lovelace"}},
                        {"body": "Sturdy", "author": {"name": "Ada Lovelace"}},
                    ],
                },
                {"name": "Couch", "reviews": [{"body": "Too soft", "author": {"name": "Alan Turing"}}]},
            ]
        }
    }
    # one _entities call per hop; the same author twice is sent once
    assert shop_router.subgraphs["reviews"].entity_calls() == [
        [{"__typename": "Product", "sku": "sku-1"}, {"__typename": "Product", "sku": "sku-2"}]
    ]
    assert shop_router.subgraphs["accounts"].entity_calls() == [
        [{"__typename": "User", "id": "1"}, {"__typename": "User", "id": "2"}]
    ]


async def test_requires_sends_required_fields_in_representations(shop_router: Router) -> None:
    result = await shop_router.run("{ products { upc shippingEstimate } }")
    assert result == {
        "data": {"products": [{"upc": "upc-1", "shippingEstimate": 20}, {"upc": "upc-2", "shippingEstimate": 0}]}
    }
    assert shop_router.subgraphs["inventory"].entity_calls() == [
        [
            {"__typename": "Product", "upc": "upc-1", "price": 100, "weight": 10},
            {"__typename": "Product", "upc": "upc-2", "price": 1000, "weight": 50},
        ]
    ]


async def test_provides_avoids_a_jump_only_where_provided(shop_router: Router) -> None:
    result = await shop_router.run("{ topReviews(first: 2) { author { username } } }")
    assert result == {"data": {"topReviews": [{"author": {"username": "ada"}}, {"author": {"username": "alan"}}]}}
    assert shop_router.subgraphs["accounts"].requests == []
    # Review.author provides username wherever the review comes from (here, an entity jump)
    shop_router.reset()
    result = await shop_router.run('{ user(id: "2") { reviews { author { username } } } }')
    assert result == {"data": {"user": {"reviews": [{"author": {"username": "alan"}}]}}}
    assert len(shop_router.subgraphs["accounts"].requests) == 1  # the root field only


async def test_each_target_gets_the_key_it_can_resolve(shop_router: Router) -> None:
    # reviews only knows Product by sku, inventory only by upc: products bridges the two
    result = await shop_router.run("{ topReviews(first: 1) { product { inStock } } }")
    assert result == {"data": {"topReviews": [{"product": {"inStock": True}}]}}
    assert shop_router.subgraphs["products"].entity_calls() == [[{"__typename": "Product", "sku": "sku-1"}]]
    assert shop_router.subgraphs["inventory"].entity_calls() == [[{"__typename": "Product", "upc": "upc-1"}]]


async def test_root_fields_of_different_subgraphs_run_concurrently(shop_router: Router) -> None:
    for name in ("accounts", "products"):
        shop_router.subgraphs[name].delay = 0.3
    try:
        result = await shop_router.run("{ users { username } products(first: 1) { name } }")
    finally:
        for name in ("accounts", "products"):
            shop_router.subgraphs[name].delay = 0.0
    assert result == {"data": {"users": [{"username": "ada"}, {"username": "alan"}], "products": [{"name": "Table"}]}}
    plan = shop_router.plan("{ users { username } products(first: 1) { name } }")
    assert [f.depends_on for f in plan.fetches] == [(), ()]
    assert "Parallel" in plan.describe()


async def test_mutations_run_in_order(shop_router: Router, shop_data) -> None:
    query = """
      mutation {
        first: addReview(upc: "upc-2", body: "Nice") { id body product { name } }
        rename: renameUser(id: "2", name: "A. Turing") { name }
        second: addReview(upc: "upc-1", body: "Solid") { id author { name } }
      }
    """
    plan = shop_router.plan(query)
    assert [(f.subgraph, f.operation_kind) for f in plan.fetches if not f.is_entity] == [
        ("reviews", "mutation"), ("accounts", "mutation"), ("reviews", "mutation")
    ]
    result = await shop_router.run(query)
    assert result == {
        "data": {
            "first": {"id": "r4", "body": "Nice", "product": {"name": "Couch"}},
            "rename": {"name": "A. Turing"},
            "second": {"id": "r5", "author": {"name": "Ada Lovelace"}},
        }
    }
    arrivals = sorted(
        (r["seq"], s.name, "entities" if "_entities" in r["query"] else r["query"].split()[0])
        for s in shop_router.subgraphs.values()
        for r in s.requests
    )
    # each mutation field starts only after the previous field's whole subtree is done
    assert [(name, kind) for _, name, kind in arrivals] == [
        ("reviews", "mutation"),
        ("products", "entities"),
        ("accounts", "mutation"),
        ("reviews", "mutation"),
        ("accounts", "entities"),
    ]
    shop_data.reviews[:] = shop_data.reviews[:3]
    shop_data.users["2"]["name"] = "Alan Turing"


async def test_aliases_same_field_with_different_arguments(shop_router: Router) -> None:
    result = await shop_router.run(
        "{ one: products(first: 1) { id: upc label: name } two: products { upc } p: product(upc: \"upc-2\") { name } }"
    )
    assert result == {
        "data": {
            "one": [{"id": "upc-1", "label": "Table"}],
            "two": [{"upc": "upc-1"}, {"upc": "upc-2"}],
            "p": {"name": "Couch"},
        }
    }


async def test_client_alias_colliding_with_a_key_field(shop_router: Router) -> None:
    # "upc" is the client's alias for name; the router still needs the real upc as key
    result = await shop_router.run("{ products(first: 1) { upc: name inStock } }")
    assert result == {"data": {"products": [{"upc": "Table", "inStock": True}]}}


async def test_typename_anywhere_and_fragments(shop_router: Router) -> None:
    query = """
      query Q { __typename topReviews(first: 1) { __typename ...R author { ... on User { t: __typename name } } } }
      fragment R on Review { id product { __typename ...P } }
      fragment P on Product { name }
    """
    result = await shop_router.run(query)
    assert result == {
        "data": {
            "__typename": "Query",
            "topReviews": [
                {
                    "__typename": "Review",
                    "id": "r1",
                    "product": {"__typename": "Product", "name": "Table"},
                    "author": {"t": "User", "name": "Ada Lovelace"},
                }
            ],
        }
    }


@pytest.mark.parametrize(("skip", "expected_calls"), [(True, 0), (False, 1)])
async def test_skip_and_include_with_variables(shop_router: Router, skip: bool, expected_calls: int) -> None:
    query = """
      query ($skip: Boolean!, $yes: Boolean = true) {
        products(first: 1) { name inStock @skip(if: $skip) weight @include(if: $yes) price @include(if: false) }
      }
    """
    result = await shop_router.run(query, {"skip": skip})
    expected = {"name": "Table", "weight": 10} if skip else {"name": "Table", "inStock": True, "weight": 10}
    assert result == {"data": {"products": [expected]}}
    assert len(shop_router.subgraphs["inventory"].requests) == expected_calls
    # the two variable values give two plans, both cached
    assert shop_router.plan(query, {"skip": skip}) is shop_router.plan(query, {"skip": skip})


async def test_variables_are_passed_only_where_used(shop_router: Router) -> None:
    query = "query ($n: Int, $u: String!) { products(first: $n) { name } product(upc: $u) { inStock } }"
    result = await shop_router.run(query, {"n": 1, "u": "upc-2"})
    assert result == {"data": {"products": [{"name": "Table"}], "product": {"inStock": False}}}
    (products_root,) = [r for r in shop_router.subgraphs["products"].requests]
    assert products_root["variables"] == {"n": 1, "u": "upc-2"}
    (inventory_call,) = shop_router.subgraphs["inventory"].requests
    assert set(inventory_call["variables"]) == {"representations"}


async def test_headers_are_forwarded(shop_router: Router) -> None:
    await shop_router.run("{ me { name } }", headers={"Authorization": "Bearer abc", "X-Request-Id": "42"})
    (request,) = shop_router.subgraphs["accounts"].requests
    assert request["headers"]["authorization"] == "Bearer abc"
    assert request["headers"]["x-request-id"] == "42"


async def test_introspection_is_answered_by_the_router(shop_router: Router) -> None:
    result = await shop_router.run('{ __schema { queryType { name } } __type(name: "User") { fields { name } } }')
    assert result["data"]["__schema"] == {"queryType": {"name": "Query"}}
    names = [f["name"] for f in result["data"]["__type"]["fields"]]
    assert names == ["id", "name", "username", "email", "ssn", "reviews"]
    assert all(s.requests == [] for s in shop_router.subgraphs.values())


async def test_shape_of_the_original_operation_nulls_fields_left_out_of_the_plan(shop_router: Router) -> None:
    from graphql import parse

    from router.execution import Executor

    planned = "{ user(id: \"1\") { name } }"
    original = parse("{ user(id: \"1\") { name email } }")
    shape = shop_router.planner.shape(original)
    executor = Executor(shop_router.supergraph)
    try:
        denied = {"message": "Unauthorized field or type", "path": ["user", "email"]}
        result = await executor.execute(shop_router.plan(planned), {}, shape_operation=shape, errors=[denied])
    finally:
        await executor.aclose()
    assert result == {"data": {"user": {"name": "Ada Lovelace", "email": None}}, "errors": [denied]}


async def test_identical_concurrent_subgraph_requests_share_one_call(shop_router: Router) -> None:
    import asyncio

    from router.execution import Executor, ExecutorConfig

    query = "{ products(first: 1) { name inStock } }"
    plan = shop_router.plan(query)
    shop_router.subgraphs["products"].delay = 0.2
    executor = Executor(shop_router.supergraph)
    try:
        same = await asyncio.gather(
            *(executor.execute(plan, {}, headers={"authorization": "Bearer a"}) for _ in range(3)),
            executor.execute(plan, {}, headers={"authorization": "Bearer b"}),
        )
    finally:
        shop_router.subgraphs["products"].delay = 0.0
        await executor.aclose()
    assert all(r == {"data": {"products": [{"name": "Table", "inStock": True}]}} for r in same)
    # three callers with the same credentials shared one call; the other user got their own
    assert sorted(r["headers"]["authorization"] for r in shop_router.subgraphs["products"].requests) == [
        "Bearer a", "Bearer b"
    ]
    shop_router.reset()
    shop_router.subgraphs["products"].delay = 0.2
    unshared = Executor(shop_router.supergraph, config=ExecutorConfig(dedupe_subgraph_requests=False))
    try:
        await asyncio.gather(*(unshared.execute(plan, {}) for _ in range(3)))
    finally:
        shop_router.subgraphs["products"].delay = 0.0
        await unshared.aclose()
    assert len(shop_router.subgraphs["products"].requests) == 3
