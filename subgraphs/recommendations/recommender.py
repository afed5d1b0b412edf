"""Ranking: which products to recommend to one user, and why. Pure, no I/O.

Three strategies, in order of how personal they are:
1. bought together: products that appear in the same orders as the user's purchases
   (weighted double for the items just bought), e.g. "Often bought with Wireless Mouse";
2. favourite categories: the most popular products of the categories the user buys
   most, taken round-robin so one category does not take every slot;
3. popularity: what most customers bought.
A product the user bought or was already recommended is never picked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

BOUGHT_TOGETHER, FAVOURITE_CATEGORY, POPULAR = "bought_together", "favourite_category", "popular"
FOCUS_WEIGHT = 2


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    category: str


@dataclass(frozen=True)
class Signals:
    """What is known about one user and the shop, gathered by the service."""

    catalog: Mapping[int, CatalogEntry]
    bought: frozenset[int]
    already_recommended: frozenset[int]
    # candidate -> {anchor (a product the user bought) -> orders containing both}
    co_purchases: Mapping[int, Mapping[int, int]]
    # the user's categories, most bought first
    favourite_categories: Sequence[str]
    # product -> number of distinct customers who bought it
    popularity: Mapping[int, int]
    # the products of the order being handled, if any: their companions rank first
    focus: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Pick:
    product_id: int
    reason: str
    strategy: str
    score: float


def recommend(signals: Signals, limit: int) -> list[Pick]:
    excluded = set(signals.bought) | set(signals.already_recommended)
    picks: list[Pick] = []
    for strategy in (_bought_together, _favourite_categories, _popular):
        if len(picks) >= limit:
            break
        for pick in strategy(signals, excluded):
            if pick.product_id in excluded or pick.product_id not in signals.catalog:
                continue
            picks.append(pick)
            excluded.add(pick.product_id)
            if len(picks) >= limit:
                break
    return picks


def _popularity(signals: Signals, product_id: int) -> int:
    return signals.popularity.get(product_id, 0)


def _bought_together(signals: Signals, excluded: set[int]) -> list[Pick]:
    scored: list[tuple[float, int, int]] = []
    anchors: dict[int, int] = {}
    for candidate, by_anchor in signals.co_purchases.items():
        if candidate in excluded or not by_anchor:
            continue
        score = sum(count * (FOCUS_WEIGHT if anchor in signals.focus else 1) for anchor, count in by_anchor.items())
        # The reason names the strongest companion; the just-bought one wins ties.
        anchors[candidate] = max(
            by_anchor, key=lambda anchor: (by_anchor[anchor], anchor in signals.focus, -anchor)
        )
        scored.append((score, _popularity(signals, candidate), candidate))
    scored.sort(key=lambda entry: (-entry[0], -entry[1], entry[2]))
    picks = []
    for score, _popular_count, candidate in scored:
        anchor = signals.catalog.get(anchors[candidate])
        if anchor is None:
            continue
        picks.append(Pick(candidate, f"Often bought with {anchor.name}", BOUGHT_TOGETHER, float(score)))
    return picks


def _favourite_categories(signals: Signals, excluded: set[int]) -> list[Pick]:
    per_category: list[list[int]] = []
    for category in signals.favourite_categories:
        products = [
            product_id
            for product_id, entry in signals.catalog.items()
            if entry.category == category and product_id not in excluded
        ]
        products.sort(key=lambda product_id: (-_popularity(signals, product_id), product_id))
        per_category.append(products)
    picks: list[Pick] = []
    depth = 0
    while any(depth < len(products) for products in per_category):
        for category, products in zip(signals.favourite_categories, per_category, strict=True):
            if depth < len(products):
                product_id = products[depth]
                picks.append(
                    Pick(product_id, f"Because you like {category}", FAVOURITE_CATEGORY, float(_popularity(signals, product_id)))
                )
        depth += 1
    return picks


def _popular(signals: Signals, excluded: set[int]) -> list[Pick]:
    ranked = sorted(
        (product_id for product_id, count in signals.popularity.items() if count > 0 and product_id not in excluded),
        key=lambda product_id: (-_popularity(signals, product_id), product_id),
    )
    picks = []
    for product_id in ranked:
        count = _popularity(signals, product_id)
        customers = "1 customer" if count == 1 else f"{count} customers"
        picks.append(Pick(product_id, f"Popular right now: bought by {customers}", POPULAR, float(count)))
    return picks
