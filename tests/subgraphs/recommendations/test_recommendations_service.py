"""The recommendations subgraph: learning from events, generating, publishing, reading."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from subgraphs.common.database import Database
from subgraphs.recommendations import service as recommendations_service
from tests.subgraphs.helpers import error_codes, publish_event, token_for
from tests.subgraphs.recommendations.conftest import RecommendationsUnderTest, next_id, start

pytestmark = pytest.mark.rabbitmq

QUERY = "{ recommendations { id userId productId reason createdAt product { id } } }"


def listed(recommendations: RecommendationsUnderTest, user_id: int) -> list[dict]:
    return recommendations.service.data(QUERY, token=token_for(user_id))["recommendations"]


def new_user() -> int:
    return 100_000 + next_id()


async def test_an_order_brings_personal_recommendations_and_their_events(recommendations: RecommendationsUnderTest) -> None:
    catalog = await recommendations.catalog()
    shopper, other = new_user(), new_user()
    mouse, pad, hub = catalog.id(0, 1), catalog.id(0, 2), catalog.id(0, 3)
    # Another customer (preferences unknown: no recommendations for them) buys mouse + pad.
    await recommendations.processed(recommendations.order(catalog, other, [mouse, pad]))
    await recommendations.processed(recommendations.preferences(shopper, True))
    recommendations.created_events()  # start counting from here
    await recommendations.processed(recommendations.order(catalog, shopper, [mouse], order_id=4242))

    found = listed(recommendations, shopper)
    assert len(found) == 2
    newest_first = sorted(found, key=lambda r: r["id"])
    assert [(r["productId"], r["reason"]) for r in newest_first] == [
        (pad, f"Often bought with {catalog.products[mouse][0]}"),
        (hub, f"Because you like {catalog.category(0)}"),
    ]
    assert [r["id"] for r in found] == sorted((r["id"] for r in found), reverse=True)
    assert all(r["userId"] == shopper and r["product"] == {"id": r["productId"]} for r in found)
    assert listed(recommendations, other) == []

    created = [e for e in recommendations.created_events() if e.data["user_id"] == shopper]
    assert sorted(e.data["product_id"] for e in created) == sorted([pad, hub])
    by_product = {e.data["product_id"]: e for e in created}
    assert by_product[pad].type == "recommendation.created" and by_product[pad].source == "recommendations"
    assert by_product[pad].data["product_name"] == catalog.products[pad][0]
    assert by_product[pad].data["reason"] == f"Often bought with {catalog.products[mouse][0]}"
    assert {e.data["recommendation_id"] for e in created} == {r["id"] for r in found}


async def test_never_what_was_bought_never_twice_even_when_redelivered(recommendations: RecommendationsUnderTest) -> None:
    catalog = await recommendations.catalog()
    user_id = new_user()
    await recommendations.processed(recommendations.preferences(user_id, True))
    first_buy = catalog.id(1, 1)
    orders = [recommendations.order(catalog, user_id, [first_buy])]
    await recommendations.processed(*orders)
    first = [r["productId"] for r in listed(recommendations, user_id)]
    assert len(first) == 2 and first_buy not in first
    # The customer follows a recommendation and buys something else too.
    orders.append(recommendations.order(catalog, user_id, [first[0], catalog.id(2, 1)]))
    await recommendations.processed(orders[-1])
    second = [r["productId"] for r in listed(recommendations, user_id)][: -len(first)]
    assert len(second) == 2
    assert not {first_buy, first[0], catalog.id(2, 1)} & set(second), "recommended something already bought"
    assert not set(first) & set(second), "recommended the same product twice"

    before = listed(recommendations, user_id)
    for event in orders:  # the broker redelivering every order
        publish_event(recommendations.namespace, event)
    time.sleep(1.0)
    assert listed(recommendations, user_id) == before


async def test_opted_out_users_get_none_until_they_opt_in(recommendations: RecommendationsUnderTest) -> None:
    catalog = await recommendations.catalog()
    user_id = new_user()
    await recommendations.processed(recommendations.preferences(user_id, False))
    recommendations.created_events()
    await recommendations.processed(recommendations.order(catalog, user_id, [catalog.id(2, 1)]))
    assert listed(recommendations, user_id) == []
    assert not [e for e in recommendations.created_events() if e.data["user_id"] == user_id]
    await recommendations_service_refresh(recommendations)  # the scheduled run skips opted-out users too
    assert listed(recommendations, user_id) == []

    # An older version arriving late changes nothing; the newer opt-in serves the waiting activity.
    await recommendations.processed(recommendations.preferences(user_id, True, version=1, registered=False))
    assert listed(recommendations, user_id) == []
    await recommendations.processed(recommendations.preferences(user_id, True, version=2, registered=False))
    found = listed(recommendations, user_id)
    assert len(found) == 2 and all(r["reason"] == f"Because you like {catalog.category(2)}" for r in found)


async def test_orders_seen_before_the_registration_wait_for_the_preferences(recommendations: RecommendationsUnderTest) -> None:
    catalog = await recommendations.catalog()
    user_id = new_user()
    await recommendations.processed(recommendations.order(catalog, user_id, [catalog.id(1, 3)]))
    assert listed(recommendations, user_id) == []
    await recommendations.processed(recommendations.preferences(user_id, True))
    assert len(listed(recommendations, user_id)) == 2


async def recommendations_service_refresh(recommendations: RecommendationsUnderTest) -> int:
    assert recommendations.database is not None
    return await recommendations_service.refresh_active_users(recommendations.database, limit=3)


async def test_the_scheduled_refresh_serves_only_users_active_since_the_last_run(recommendations: RecommendationsUnderTest) -> None:
    catalog = await recommendations.catalog()
    active, opted_out = new_user(), new_user()
    await recommendations.processed(recommendations.preferences(active, True), recommendations.preferences(opted_out, False))
    await recommendations.processed(
        recommendations.order(catalog, active, [catalog.id(0, 1)]), recommendations.order(catalog, opted_out, [catalog.id(0, 1)])
    )
    assert len(listed(recommendations, active)) == 2
    await recommendations_service_refresh(recommendations)
    refreshed = listed(recommendations, active)
    # Up to three more: the category's last product first, then what is popular overall.
    assert 3 <= len(refreshed) <= 5
    assert refreshed[-3]["productId"] == catalog.id(0, 4)
    assert listed(recommendations, opted_out) == []
    await recommendations_service_refresh(recommendations)
    assert listed(recommendations, active) == refreshed  # no new activity: nothing new

    await recommendations.processed(recommendations.order(catalog, active, [catalog.id(2, 2)]))
    count = len(listed(recommendations, active))
    await recommendations_service_refresh(recommendations)
    assert len(listed(recommendations, active)) > count


def test_only_your_own_recommendations(recommendations_process: RecommendationsUnderTest) -> None:
    service = recommendations_process.service
    user_id = new_user()
    assert error_codes(service.gql(QUERY)) == ["UNAUTHENTICATED"]
    other = service.gql("query($u: Int) { recommendations(userId: $u) { id } }", {"u": user_id + 1}, token_for(user_id))
    assert error_codes(other) == ["FORBIDDEN"]
    assert error_codes(service.gql("{ recommendations(first: 500) { id } }", token=token_for(user_id))) == ["BAD_USER_INPUT"]
    entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id recommendations { id } } } }"
    assert service.data(entities, {"r": [{"__typename": "User", "id": user_id}]}, token_for(user_id)) == {
        "_entities": [{"id": user_id, "recommendations": []}]
    }
    spying = service.gql(entities, {"r": [{"__typename": "User", "id": user_id}]}, token_for(user_id + 1))
    assert "FORBIDDEN" in error_codes(spying)


@pytest.fixture(scope="module")
def fast_refresh(tmp_path_factory: pytest.TempPathFactory, broker: None) -> Iterator[RecommendationsUnderTest]:
    yield from start("sqlite", tmp_path_factory, RECOMMENDATION_INTERVAL_SECONDS="0.5")


async def test_the_refresh_job_runs_on_its_schedule(fast_refresh: RecommendationsUnderTest) -> None:
    fast_refresh.database = Database(fast_refresh.database_url)
    try:
        catalog = await fast_refresh.catalog()
        user_id = new_user()
        await fast_refresh.processed(fast_refresh.preferences(user_id, True))
        await fast_refresh.processed(fast_refresh.order(catalog, user_id, [catalog.id(0, 1)]))
        # At the order: the category's next two products; the refresh adds the last one
        # (nothing else was bought by anyone, so nothing is popular yet).
        deadline = time.monotonic() + 10
        while len(listed(fast_refresh, user_id)) < 3:
            assert time.monotonic() < deadline, "the scheduled refresh did not run"
            time.sleep(0.2)
        time.sleep(1.5)  # three more runs: no new activity, nothing new
        found = listed(fast_refresh, user_id)
        assert [r["productId"] for r in found] == [catalog.id(0, 4), catalog.id(0, 3), catalog.id(0, 2)]
    finally:
        await fast_refresh.database.dispose()
