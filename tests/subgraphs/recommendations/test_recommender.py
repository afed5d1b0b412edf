"""The ranking rules on hand-built signals (no database, no broker)."""

from __future__ import annotations

from subgraphs.recommendations.recommender import (
    BOUGHT_TOGETHER,
    FAVOURITE_CATEGORY,
    POPULAR,
    CatalogEntry,
    Signals,
    recommend,
)

CATALOG = {
    1: CatalogEntry("Wireless Mouse", "Electronics"),
    2: CatalogEntry("Mouse Pad XL", "Electronics"),
    3: CatalogEntry("USB-C Hub", "Electronics"),
    4: CatalogEntry("Keyboard", "Electronics"),
    10: CatalogEntry("Fluent Python", "Books"),
    11: CatalogEntry("Refactoring", "Books"),
    12: CatalogEntry("Accelerate", "Books"),
    20: CatalogEntry("Yoga Mat", "Sports"),
    21: CatalogEntry("Jump Rope", "Sports"),
}


def signals(**overrides: object) -> Signals:
    base: dict[str, object] = {
        "catalog": CATALOG,
        "bought": frozenset(),
        "already_recommended": frozenset(),
        "co_purchases": {},
        "favourite_categories": [],
        "popularity": {},
    }
    base.update(overrides)
    return Signals(**base)  # type: ignore[arg-type]


def test_bought_together_comes_first_and_names_the_strongest_companion() -> None:
    picks = recommend(
        signals(
            bought=frozenset({1, 10}),
            co_purchases={2: {1: 5, 10: 1}, 11: {10: 2}},
            favourite_categories=["Electronics", "Books"],
            popularity={2: 6, 11: 3, 3: 9},
        ),
        limit=2,
    )
    assert [(p.product_id, p.reason, p.strategy) for p in picks] == [
        (2, "Often bought with Wireless Mouse", BOUGHT_TOGETHER),
        (11, "Often bought with Fluent Python", BOUGHT_TOGETHER),
    ]


def test_the_just_bought_items_companions_win() -> None:
    common = {"bought": frozenset({1, 10}), "co_purchases": {2: {1: 2}, 11: {10: 2}}}
    assert recommend(signals(**common, focus=frozenset({10})), limit=1)[0].product_id == 11
    assert recommend(signals(**common, focus=frozenset({1})), limit=1)[0].product_id == 2


def test_then_favourite_categories_round_robin_by_popularity() -> None:
    picks = recommend(
        signals(
            bought=frozenset({1, 10}),
            favourite_categories=["Electronics", "Books"],
            popularity={1: 1, 10: 1, 4: 3, 3: 1, 12: 2},
        ),
        limit=4,
    )
    assert [(p.product_id, p.reason) for p in picks] == [
        (4, "Because you like Electronics"),
        (12, "Because you like Books"),
        (3, "Because you like Electronics"),
        (11, "Because you like Books"),
    ]
    assert {p.strategy for p in picks} == {FAVOURITE_CATEGORY}


def test_then_overall_popularity() -> None:
    picks = recommend(signals(popularity={20: 4, 21: 1, 10: 2}), limit=2)
    assert [(p.product_id, p.reason, p.strategy) for p in picks] == [
        (20, "Popular right now: bought by 4 customers", POPULAR),
        (10, "Popular right now: bought by 2 customers", POPULAR),
    ]


def test_never_what_was_bought_or_already_recommended_and_never_twice() -> None:
    picks = recommend(
        signals(
            bought=frozenset({1}),
            already_recommended=frozenset({2}),
            co_purchases={2: {1: 9}, 3: {1: 1}},
            favourite_categories=["Electronics"],
            popularity={2: 9, 3: 5, 1: 9},
        ),
        limit=10,
    )
    ids = [p.product_id for p in picks]
    assert ids[0] == 3 and picks[0].strategy == BOUGHT_TOGETHER
    assert len(ids) == len(set(ids))
    assert not {1, 2} & set(ids)
    assert set(ids) == {3, 4}  # Electronics exhausted; nothing popular is left


def test_unknown_products_and_an_empty_history_give_nothing() -> None:
    assert recommend(signals(co_purchases={99: {1: 3}}, bought=frozenset({1})), limit=3) == []
    assert recommend(signals(), limit=3) == []
    assert recommend(signals(popularity={20: 1}), limit=0) == []
