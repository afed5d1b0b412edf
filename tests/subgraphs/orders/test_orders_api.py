"""The orders subgraph over HTTP: catalogue, placing, reading, cancelling, events."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from subgraphs.common.database import Database
from subgraphs.common.events import Event
from subgraphs.orders import service as orders_service
from tests.subgraphs.helpers import error_codes, token_for
from tests.subgraphs.orders.conftest import OrdersUnderTest
from tests.support.rabbit import RabbitClient

pytestmark = pytest.mark.rabbitmq

PLACE = "mutation($i: OrderInput!) { placeOrder(orderInput: $i) { id userId status } }"
PLACE_FULL = """mutation($i: OrderInput!) { placeOrder(orderInput: $i) {
  id userId status total createdAt updatedAt items { quantity unitPrice product { id name category price } } } }"""

_next_user = iter(range(10_000, 1_000_000))


def new_user() -> tuple[int, str]:
    user_id = next(_next_user)
    return user_id, token_for(user_id)


def events_of(orders: OrdersUnderTest, queue: str, order_id: int) -> list[Event]:
    """Every event about ``order_id`` waiting in ``queue`` (nobody consumes in these tests).

    Messages of other orders are put back by reading with auto-ack off and rejecting.
    """
    client = RabbitClient()
    found = []
    try:
        while True:
            method, _properties, body = client.channel.basic_get(orders.namespace + queue, auto_ack=False)
            if method is None:
                break
            event = Event.from_json(body)
            if event.data.get("order_id") == order_id:
                found.append(event)
    finally:
        client.close()  # unacked messages of other orders return to the queue
    return found


def wait_events(orders: OrdersUnderTest, queue: str, order_id: int, count: int, timeout: float = 10.0) -> list[Event]:
    """The events of ``order_id`` once ``count`` of them are there (the relay publishes within ~0.2 s)."""
    deadline = time.monotonic() + timeout
    while True:
        found = events_of(orders, queue, order_id)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_catalogue_has_at_least_50_products_in_several_categories(orders: OrdersUnderTest) -> None:
    data = orders.service.data("{ products(first: 100) { id name category price } categories }")
    products = data["products"]
    assert len(products) >= 50
    assert len({p["category"] for p in products}) >= 5
    assert sorted({p["category"] for p in products}) == data["categories"]
    assert all(p["price"] > 0 and p["name"] for p in products)
    electronics = orders.service.data('{ products(category: "Electronics") { category } }')["products"]
    assert electronics and {p["category"] for p in electronics} == {"Electronics"}
    assert orders.service.data("{ product(id: 1) { name } product2: product(id: 99999) { name } }") == {
        "product": {"name": "Wireless Mouse"},
        "product2": None,
    }


def test_products_resolve_as_entities_in_one_batch(orders: OrdersUnderTest) -> None:
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name price } } }"
    reps = [{"__typename": "Product", "id": i} for i in (3, 1, 99999, 3)]
    entities = orders.service.data(query, {"r": reps})["_entities"]
    assert [e and e["id"] for e in entities] == [3, 1, None, 3]


def test_place_order_returns_the_original_shape(orders: OrdersUnderTest) -> None:
    user_id, token = new_user()
    result = orders.service.data(PLACE, {"i": {"userId": user_id, "items": [{"productId": 1, "quantity": 2}]}}, token)
    order = result["placeOrder"]
    assert set(order) == {"id", "userId", "status"}
    assert isinstance(order["id"], int) and order["userId"] == user_id and order["status"] == "placed"


def test_place_order_details_user_id_omitted_and_duplicate_lines_merged(orders: OrdersUnderTest) -> None:
    user_id, token = new_user()
    items = [{"productId": 1, "quantity": 1}, {"productId": 4}, {"productId": 1, "quantity": 2}]
    order = orders.service.data(PLACE_FULL, {"i": {"items": items}}, token)["placeOrder"]
    assert order["userId"] == user_id
    lines = {item["product"]["id"]: item for item in order["items"]}
    assert lines[1]["quantity"] == 3 and lines[4]["quantity"] == 1
    assert lines[1]["product"] == {"id": 1, "name": "Wireless Mouse", "category": "Electronics", "price": 24.99}
    assert order["total"] == pytest.approx(3 * 24.99 + 14.99)
    assert order["createdAt"] == order["updatedAt"] and order["createdAt"].endswith("+00:00")


def test_an_order_without_items_is_valid(orders: OrdersUnderTest) -> None:
    _user_id, token = new_user()
    for order_input in ({}, {"items": []}):
        order = orders.service.data(PLACE_FULL, {"i": order_input}, token)["placeOrder"]
        assert order["status"] == "placed" and order["items"] == [] and order["total"] == 0


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"productId": 99999, "quantity": 1}], "Unknown product id: 99999"),
        ([{"productId": 99998}, {"productId": 99999}], "Unknown product ids: 99998, 99999"),
        ([{"productId": 1, "quantity": 0}], "Quantity must be a positive number"),
        ([{"productId": 1, "quantity": -3}], "Quantity must be a positive number"),
        ([{"productId": 1, "quantity": 600}, {"productId": 1, "quantity": 600}], "At most 1000 of one product"),
    ],
)
def test_bad_items_are_clear_errors_and_nothing_is_stored(orders: OrdersUnderTest, items: list[Any], message: str) -> None:
    _user_id, token = new_user()
    result = orders.service.gql(PLACE, {"i": {"items": items}}, token)
    assert result["data"] is None
    assert message in result["errors"][0]["message"]
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert orders.service.data("{ orders { id } }", token=token)["orders"] == []


def test_placing_for_someone_else_is_refused(orders: OrdersUnderTest) -> None:
    user_id, token = new_user()
    result = orders.service.gql(PLACE, {"i": {"userId": user_id + 1, "items": []}}, token)
    assert error_codes(result) == ["FORBIDDEN"]
    assert orders.service.data("{ orders { id } }", token=token)["orders"] == []


def test_personal_fields_need_a_token(orders: OrdersUnderTest) -> None:
    for query in (PLACE, "{ orders { id } }", "{ order(id: 1) { id } }", "mutation { cancelOrder(id: 1) { id } }"):
        result = orders.service.gql(query, {"i": {"items": []}} if "$i" in query else None)
        assert error_codes(result) == ["UNAUTHENTICATED"], query
    # The catalogue is public.
    assert orders.service.data("{ products(first: 1) { id } }")["products"]


def test_orders_are_the_callers_newest_first_and_paged(orders: OrdersUnderTest) -> None:
    _user_id, token = new_user()
    _other_id, other_token = new_user()
    ids = [orders.service.data(PLACE, {"i": {"items": [{"productId": n}]}}, token)["placeOrder"]["id"] for n in (1, 2, 3)]
    orders.service.data(PLACE, {"i": {}}, other_token)
    listed = orders.service.data("{ orders { id status items { product { id } } } }", token=token)["orders"]
    assert [o["id"] for o in listed] == ids[::-1]
    assert [o["items"][0]["product"]["id"] for o in listed] == [3, 2, 1]
    page = orders.service.data("{ orders(first: 1, offset: 1) { id } }", token=token)["orders"]
    assert page == [{"id": ids[1]}]
    assert error_codes(orders.service.gql("{ orders(first: 1000) { id } }", token=token)) == ["BAD_USER_INPUT"]


def test_someone_elses_order_reads_like_a_missing_one(orders: OrdersUnderTest) -> None:
    _owner_id, owner_token = new_user()
    _other_id, other_token = new_user()
    order_id = orders.service.data(PLACE, {"i": {}}, owner_token)["placeOrder"]["id"]
    query = "query($id: Int!) { order(id: $id) { id userId } }"
    assert orders.service.data(query, {"id": order_id}, owner_token)["order"]["id"] == order_id
    theirs = orders.service.gql(query, {"id": order_id}, other_token)
    missing = orders.service.gql(query, {"id": 99_999_999}, other_token)
    assert theirs == missing == {"data": {"order": None}}


def test_user_orders_through_entities_only_for_the_caller(orders: OrdersUnderTest) -> None:
    user_id, token = new_user()
    order_id = orders.service.data(PLACE, {"i": {}}, token)["placeOrder"]["id"]
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id orders { id status } } } }"
    mine = orders.service.data(query, {"r": [{"__typename": "User", "id": user_id}]}, token)
    assert mine["_entities"] == [{"id": user_id, "orders": [{"id": order_id, "status": "placed"}]}]
    theirs = orders.service.gql(query, {"r": [{"__typename": "User", "id": user_id}]}, token_for(user_id + 1))
    assert error_codes(theirs) == ["FORBIDDEN"]


async def test_cancel_order_lifecycle_rules(orders: OrdersUnderTest) -> None:
    user_id, token = new_user()
    cancel = "mutation($id: Int!) { cancelOrder(id: $id) { id status updatedAt } }"
    first = orders.service.data(PLACE, {"i": {"items": [{"productId": 2}]}}, token)["placeOrder"]["id"]
    cancelled = orders.service.data(cancel, {"id": first}, token)["cancelOrder"]
    assert cancelled["status"] == "cancelled"
    again = orders.service.gql(cancel, {"id": first}, token)
    assert error_codes(again) == ["BAD_USER_INPUT"] and "already cancelled" in again["errors"][0]["message"]

    # Someone else's order, or a missing one: the same NOT_FOUND.
    theirs = orders.service.gql(cancel, {"id": first}, token_for(user_id + 1))
    assert error_codes(theirs) == ["NOT_FOUND"]
    assert theirs["errors"][0]["message"] == f"Order {first} not found"

    # Once shipped it can no longer be cancelled (the status job moves it twice here).
    second = orders.service.data(PLACE, {"i": {}}, token)["placeOrder"]["id"]
    database = Database(orders.database_url)
    try:
        await orders_service.advance_orders(database, min_age=timedelta(0))
        await orders_service.advance_orders(database, min_age=timedelta(0))
    finally:
        await database.dispose()
    order = orders.service.data("query($id: Int!) { order(id: $id) { status } }", {"id": second}, token)["order"]
    assert order["status"] == "shipped"
    late = orders.service.gql(cancel, {"id": second}, token)
    assert error_codes(late) == ["BAD_USER_INPUT"] and "has already shipped" in late["errors"][0]["message"]

    # The events: placed (with the items), then exactly one status change per step.
    placed = wait_events(orders, "order_placed_queue", first, 1)
    assert [e.type for e in placed] == ["order.placed"]
    assert placed[0].data["items"] == [
        {"product_id": 2, "name": "Mechanical Keyboard", "category": "Electronics", "quantity": 1, "unit_price_cents": 8999}
    ]
    assert placed[0].data["user_id"] == user_id and placed[0].source == "orders"
    updates = wait_events(orders, "order_updates_queue", first, 2)
    assert [(e.type, e.data.get("previous_status"), e.data["status"]) for e in updates] == [
        ("order.placed", None, "placed"),
        ("order.status_changed", "placed", "cancelled"),
    ]
    steps = [(e.data.get("previous_status"), e.data["status"]) for e in wait_events(orders, "order_updates_queue", second, 3)]
    assert steps == [(None, "placed"), ("placed", "processing"), ("processing", "shipped")]


def test_health(orders: OrdersUnderTest) -> None:
    assert orders.service.client is not None
    report = orders.service.client.get("/health").json()
    assert report["database"] == "ok" and report["broker"] == "ok" and report["service"] == "orders"
    # The status job's interval is public (make demo reads it); the fixture sets 3600 s.
    assert report["jobs"]["advance-order-status"]["interval_seconds"] == 3600.0
