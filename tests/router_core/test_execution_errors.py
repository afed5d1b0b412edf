"""Failures: subgraph errors, unreachable/slow/broken subgraphs, null propagation, masking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from router.execution import ExecutorConfig
from tests.router_core.conftest import Router, make_router
from tests.router_core.graphs.shop import ShopData, shop_subgraphs
from tests.router_core.subgraph_kit import serve_subgraphs
from tests.support.ports import free_port


async def test_subgraph_error_path_is_rewritten_to_the_client_path(shop_router: Router, shop_data: ShopData) -> None:
    shop_data.broken_names.add("2")
    try:
        result = await shop_router.run("{ topReviews { body author { name } } }")
    finally:
        shop_data.broken_names.clear()
    assert result["data"] == {
        "topReviews": [
            {"body": "Great table", "author": {"name": "Ada Lovelace"}},
            # User.name is non-null: the null reaches the nearest nullable parent
            {"body": "Too soft", "author": None},
            {"body": "Sturdy", "author": {"name": "Ada Lovelace"}},
        ]
    }
    assert result["errors"] == [
        {
            "message": "name of user 2 is unavailable",
            "path": ["topReviews", 1, "author", "name"],
            "extensions": {"serviceName": "accounts"},
        }
    ]


async def test_one_error_per_client_object_behind_a_shared_representation(shop_router: Router, shop_data: ShopData) -> None:
    shop_data.broken_names.add("1")
    try:
        result = await shop_router.run("{ topReviews { author { name } } }")
    finally:
        shop_data.broken_names.clear()
    assert [e["path"] for e in result["errors"]] == [
        ["topReviews", 0, "author", "name"],
        ["topReviews", 2, "author", "name"],
    ]
    assert result["data"] == {"topReviews": [{"author": None}, {"author": {"name": "Alan Turing"}}, {"author": None}]}


async def test_enum_value_hidden_from_the_api_schema_is_not_leaked(shop_router: Router) -> None:
    result = await shop_router.run('{ product(upc: "upc-3") { name category } }')
    assert result["data"] == {"product": None}
    assert result["errors"][0]["path"] == ["product", "category"]


@pytest.fixture(scope="module")
def broken_shop() -> Iterator[Router]:
    """The shop graph with inventory unreachable (nothing listens on its port)."""
    subgraphs = shop_subgraphs(ShopData())
    served = {k: v for k, v in subgraphs.items() if k != "inventory"}
    with serve_subgraphs(*served.values()) as urls:
        urls["inventory"] = f"http://127.0.0.1:{free_port()}/graphql"
        yield make_router("shop", subgraphs, urls)


async def test_unreachable_subgraph_gives_partial_data_and_an_error(broken_shop: Router) -> None:
    result = await broken_shop.run('{ user(id: "1") { name } product(upc: "upc-1") { name inStock } }')
    assert result["data"] == {"user": {"name": "Ada Lovelace"}, "product": None}
    (error,) = result["errors"]
    assert error["extensions"] == {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "inventory"}
    assert "inventory" in error["message"]


async def test_unreachable_root_subgraph(broken_shop: Router) -> None:
    broken = make_router(
        "shop",
        broken_shop.subgraphs,
        {**{n: i.url for n, i in broken_shop.supergraph.subgraphs.items()}, "products": f"http://127.0.0.1:{free_port()}/graphql"},
    )
    result = await broken.run('{ user(id: "2") { username } product(upc: "upc-1") { name } }')
    assert result["data"] == {"user": {"username": "alan"}, "product": None}
    assert [e["extensions"]["serviceName"] for e in result["errors"]] == ["products"]


async def test_slow_subgraph_times_out_without_failing_the_request(shop_router: Router) -> None:
    shop_router.subgraphs["inventory"].delay = 2.0
    try:
        result = await shop_router.run(
            '{ product(upc: "upc-1") { name inStock } }',
            config=ExecutorConfig(timeout=5.0, subgraph_timeouts={"inventory": 0.2}),
        )
    finally:
        shop_router.subgraphs["inventory"].delay = 0.0
    assert result["data"] == {"product": None}
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "SUBREQUEST_TIMEOUT"
    assert error["message"] == "Request to subgraph 'inventory' timed out after 0.2s"


async def test_http_error_status_from_a_subgraph(shop_router: Router) -> None:
    shop_router.subgraphs["accounts"].fail_with = 502
    try:
        result = await shop_router.run('{ product(upc: "upc-1") { name } me { name } }')
    finally:
        shop_router.subgraphs["accounts"].fail_with = None
    assert result["data"] == {"product": {"name": "Table"}, "me": None}
    assert result["errors"] == [
        {
            "message": "HTTP fetch failed from 'accounts': 502 Bad Gateway",
            "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "accounts"},
        }
    ]


async def test_subgraph_error_details_can_be_masked(shop_router: Router, shop_data: ShopData) -> None:
    shop_data.broken_names.add("2")
    try:
        result = await shop_router.run(
            '{ user(id: "2") { id name } }', config=ExecutorConfig(mask_subgraph_errors=True)
        )
    finally:
        shop_data.broken_names.clear()
    assert result == {
        "data": {"user": None},
        "errors": [
            {"message": "Subgraph errors redacted", "path": ["user", "name"], "extensions": {"serviceName": "accounts"}}
        ],
    }


async def test_null_in_non_null_list_item_propagates_to_the_list(shop_router: Router, shop_data: ShopData) -> None:
    # users: [User!]! -- a null item nulls the list, and the list is non-null: data is null
    shop_data.broken_names.add("2")
    try:
        result = await shop_router.run("{ users { name } }")
    finally:
        shop_data.broken_names.clear()
    assert result["data"] is None
    assert [e["path"] for e in result["errors"]] == [["users", 1, "name"]]
