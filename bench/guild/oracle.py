"""The expected answer to the benchmark query, computed without any federation.

One monolithic graphql-core schema (the API the supergraph exposes) over the same records: what
the gateways must return after planning, fetching and merging across the four subgraphs. Being
computed rather than stored, it changes with ``data.py`` and never goes stale.
"""

from __future__ import annotations

from typing import Any, Final

from graphql import build_schema, graphql_sync

from bench.guild import data

API_SDL: Final = """
type Query {
  me: User
  user(id: ID!): User
  users: [User]
  topProducts(first: Int = 5): [Product]
}
type User { id: ID! name: String username: String birthday: Int reviews: [Review] }
type Review { id: ID! body: String product: Product author: User }
type Product {
  upc: String! weight: Int price: Int inStock: Boolean shippingEstimate: Int name: String reviews: [Review]
}
"""


def _graph() -> dict[str, Any]:
    reviews: list[dict[str, Any]] = []
    products: dict[str, dict[str, Any]] = {}
    for p in data.PRODUCTS:
        upc = str(p["upc"])
        products[upc] = {
            **p,
            "inStock": data.IN_STOCK[upc],
            "shippingEstimate": None,
            "reviews": lambda _info, upc=upc: [r for r in reviews if r["product"]["upc"] == upc],
        }
    users = [{**u, "reviews": lambda _info: reviews[: data.USER_REVIEW_COUNT]} for u in data.USERS]
    author = next(u for u in users if u["id"] == data.AUTHOR_ID)
    for review_id, body, upc in data.REVIEWS:
        reviews.append({"id": review_id, "body": body, "product": products[upc], "author": author})
    ordered = list(products.values())
    return {
        "me": lambda _info: users[0],
        "user": lambda _info, id: next((u for u in users if u["id"] == id), None),
        "users": lambda _info: users,
        "topProducts": lambda _info, first=data.TOP_PRODUCTS_DEFAULT: ordered[: max(first, 0)],
    }


def expected_answer(query: str = data.QUERY, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The full response (``{"data": ...}``) a correct gateway gives to ``query``."""
    result = graphql_sync(build_schema(API_SDL), query, root_value=_graph(), variable_values=variables)
    if result.errors:
        raise ValueError(f"the oracle cannot answer this query: {result.errors}")
    return result.formatted
