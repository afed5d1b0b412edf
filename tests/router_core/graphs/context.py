"""The @context/@fromContext test graph: an item's price is rendered in its shop's currency."""

from __future__ import annotations

from typing import Any

from tests.router_core.fixtures import subgraph_sdl
from tests.router_core.subgraph_kit import Subgraph

SHOPS = {"s1": {"currency": "EUR", "name": "Berlin"}, "s2": {"currency": "USD", "name": "Boston"}}
ITEMS = {"s1": [("i1", 150), ("i2", 299)], "s2": [("i3", 1000), ("i1", 150)]}
CENTS = {"i1": 150, "i2": 299, "i3": 1000}


def context_subgraphs() -> dict[str, Subgraph]:
    def item(item_id: str) -> dict[str, Any]:
        return {"__typename": "Item", "id": item_id, "cents": CENTS[item_id]}

    def price(obj: dict[str, Any], _info: Any, currency: str | None = None) -> str:
        return f"{obj['cents'] / 100:.2f} {currency or '???'}"

    accounts = Subgraph(
        "accounts",
        subgraph_sdl("context", "accounts"),
        resolvers={
            "Query": {"shops": lambda *_: [
                {"__typename": "Shop", "id": shop, "items": [item(i) for i, _ in ITEMS[shop]]} for shop in SHOPS
            ]},
            "Item": {"price": price},
        },
        references={"Item": lambda rep: item(rep["id"]), "Shop": lambda rep: {"__typename": "Shop", "id": rep["id"]}},
    )
    shops = Subgraph(
        "shops",
        subgraph_sdl("context", "shops"),
        references={"Shop": lambda rep: {"__typename": "Shop", "id": rep["id"], **SHOPS[rep["id"]]}},
    )
    return {s.name: s for s in (accounts, shops)}
