"""The "shop" test graph: accounts, products, inventory, reviews (fixtures/shop/*.graphql)."""

from __future__ import annotations

import copy
from typing import Any

from graphql import GraphQLError

from tests.router_core.fixtures import subgraph_sdl
from tests.router_core.subgraph_kit import Subgraph

USERS = {
    "1": {"__typename": "User", "id": "1", "name": "Ada Lovelace", "username": "ada", "email": "ada@example.com",
          "internalCode": "X1", "ssn": "111"},
    "2": {"__typename": "User", "id": "2", "name": "Alan Turing", "username": "alan", "email": None,
          "internalCode": "X2", "ssn": "222"},
}
PRODUCTS = [
    {"__typename": "Product", "upc": "upc-1", "sku": "sku-1", "name": "Table", "price": 100, "weight": 10, "category": "BOOK"},
    {"__typename": "Product", "upc": "upc-2", "sku": "sku-2", "name": "Couch", "price": 1000, "weight": 50, "category": "GAME"},
    {"__typename": "Product", "upc": "upc-3", "sku": "sku-3", "name": "Chair", "price": 50, "weight": 5, "category": "SECRET"},
]
STOCK = {"upc-1": True, "upc-2": False, "upc-3": True}
REVIEWS = [
    {"id": "r1", "body": "Great table", "author": "1", "sku": "sku-1"},
    {"id": "r2", "body": "Too soft", "author": "2", "sku": "sku-2"},
    {"id": "r3", "body": "Sturdy", "author": "1", "sku": "sku-1"},
]


def _review(row: dict[str, Any]) -> dict[str, Any]:
    user = USERS[row["author"]]
    return {
        "__typename": "Review",
        "id": row["id"],
        "body": row["body"],
        # reviews @provides the username, so it stores it next to the reference
        "author": {"__typename": "User", "id": user["id"], "username": user["username"]},
        "product": {"__typename": "Product", "sku": row["sku"]},
    }


class ShopData:
    """Mutable state per test module (mutations change it)."""

    def __init__(self) -> None:
        self.users = copy.deepcopy(USERS)
        self.products = copy.deepcopy(PRODUCTS)
        self.reviews = copy.deepcopy(REVIEWS)
        self.broken_names: set[str] = set()  # user ids whose name resolver raises


def shop_subgraphs(data: ShopData) -> dict[str, Subgraph]:
    def user_name(obj: dict[str, Any], _info: Any) -> str:
        if obj["id"] in data.broken_names:
            raise GraphQLError(f"name of user {obj['id']} is unavailable")
        return data.users[obj["id"]]["name"]

    def rename(_root: Any, _info: Any, id: str, name: str) -> dict[str, Any] | None:
        user = data.users.get(id)
        if user is not None:
            user["name"] = name
        return user

    accounts = Subgraph(
        "accounts",
        subgraph_sdl("shop", "accounts"),
        resolvers={
            "Query": {
                "me": lambda *_: data.users["1"],
                "user": lambda _r, _i, id: data.users.get(id),
                "users": lambda *_: list(data.users.values()),
            },
            "Mutation": {"renameUser": rename},
            "User": {"name": user_name},
        },
        references={"User": lambda rep: data.users.get(rep["id"])},
    )

    def by_key(rep: dict[str, Any]) -> dict[str, Any] | None:
        for product in data.products:
            if ("upc" in rep and product["upc"] == rep["upc"]) or ("sku" in rep and product["sku"] == rep["sku"]):
                return product
        return None

    def set_price(_root: Any, _info: Any, upc: str, price: int) -> dict[str, Any] | None:
        product = by_key({"upc": upc})
        if product is not None:
            product["price"] = price
        return product

    products = Subgraph(
        "products",
        subgraph_sdl("shop", "products"),
        resolvers={
            "Query": {
                "products": lambda _r, _i, first=2: data.products[:first],
                "product": lambda _r, _i, upc: by_key({"upc": upc}),
            },
            "Mutation": {"setPrice": set_price},
        },
        references={"Product": by_key},
    )

    def stock_reference(rep: dict[str, Any]) -> dict[str, Any]:
        result = {"__typename": "Product", "upc": rep["upc"], "inStock": STOCK.get(rep["upc"], False)}
        if "price" in rep and "weight" in rep:
            # free shipping above 500, else 2 per weight unit: needs both required fields
            result["shippingEstimate"] = 0 if rep["price"] > 500 else rep["weight"] * 2
        return result

    inventory = Subgraph("inventory", subgraph_sdl("shop", "inventory"), references={"Product": stock_reference})

    def add_review(_root: Any, _info: Any, upc: str, body: str) -> dict[str, Any]:
        product = by_key({"upc": upc})
        row = {"id": f"r{len(data.reviews) + 1}", "body": body, "author": "1", "sku": product["sku"] if product else "?"}
        data.reviews.append(row)
        return _review(row)

    reviews = Subgraph(
        "reviews",
        subgraph_sdl("shop", "reviews"),
        resolvers={
            "Query": {"topReviews": lambda _r, _i, first=3: [_review(r) for r in data.reviews[:first]]},
            "Mutation": {"addReview": add_review},
            "User": {"reviews": lambda obj, _i: [_review(r) for r in data.reviews if r["author"] == obj["id"]]},
            "Product": {"reviews": lambda obj, _i: [_review(r) for r in data.reviews if r["sku"] == obj["sku"]]},
        },
        references={
            "User": lambda rep: {"__typename": "User", "id": rep["id"]},
            "Product": lambda rep: {"__typename": "Product", "sku": rep["sku"]},
            "Review": lambda rep: next((_review(r) for r in data.reviews if r["id"] == rep["id"]), None),
        },
    )
    return {s.name: s for s in (accounts, products, inventory, reviews)}
