"""The benchmark's four subgraphs as executable graphql-core schemas built from their SDL files.

The SDL in ``schemas/`` is what gets composed, and the same text is what executes here, so the
supergraph and the subgraphs cannot drift apart. Execution is only paid on the first sight of a
request body (the memo server keeps every answer), so plain graphql-core is fast enough.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson
from graphql import GraphQLSchema, GraphQLUnionType, build_schema, graphql_sync, parse
from graphql.language import ObjectTypeDefinitionNode, ObjectTypeExtensionNode

from bench.guild import data

SCHEMAS_DIR: Final = Path(__file__).resolve().parent / "schemas"
NAMES: Final = ("accounts", "inventory", "products", "reviews")

# Federation definitions graphql-core needs to build a subgraph SDL (the composer has its own).
_PRELUDE: Final = """
scalar _Any
scalar FieldSet
scalar link__Import
directive @link(url: String!, import: [link__Import]) repeatable on SCHEMA
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @external on OBJECT | FIELD_DEFINITION
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
type _Service { sdl: String }
"""

Record = dict[str, Any]
EntityResolver = Callable[[Mapping[str, Any]], Record | None]


def sdl(name: str) -> str:
    return (SCHEMAS_DIR / f"{name}.graphql").read_text()


def _entity_types(text: str) -> list[str]:
    names = []
    for definition in parse(text).definitions:
        if isinstance(definition, (ObjectTypeDefinitionNode, ObjectTypeExtensionNode)):
            if any(d.name.value == "key" for d in definition.directives or ()):
                names.append(definition.name.value)
    return names


def build_subgraph_schema(text: str) -> GraphQLSchema:
    """The subgraph SDL plus ``_entities``/``_service``, as a federation subgraph exposes it."""
    entities = _entity_types(text)
    has_query = any(
        isinstance(d, ObjectTypeDefinitionNode) and d.name.value == "Query" for d in parse(text).definitions
    )
    root = "extend type Query" if has_query else "type Query"
    federation = f"union _Entity = {' | '.join(entities)}\n" if entities else ""
    entities_field = "_entities(representations: [_Any!]!): [_Entity]!\n" if entities else ""
    federation += f"{root} {{\n{entities_field}_service: _Service!\n}}\n"
    schema = build_schema(_PRELUDE + text + federation)
    entity_union = schema.get_type("_Entity")
    if isinstance(entity_union, GraphQLUnionType):
        entity_union.resolve_type = lambda value, _info, _type: value["__typename"]
    return schema


# -- the records each subgraph knows ---------------------------------------------------------


def _accounts() -> tuple[Record, dict[str, EntityResolver]]:
    users = {u["id"]: {"__typename": "User", **u} for u in data.USERS}
    ordered = list(users.values())
    root = {
        "me": lambda _info: ordered[0],
        "user": lambda _info, id: users.get(id),
        "users": lambda _info: ordered,
    }
    return root, {"User": lambda rep: users.get(str(rep.get("id")))}


def _products() -> tuple[Record, dict[str, EntityResolver]]:
    products = {p["upc"]: {"__typename": "Product", **p} for p in data.PRODUCTS}
    ordered = list(products.values())
    root = {"topProducts": lambda _info, first=data.TOP_PRODUCTS_DEFAULT: ordered[: max(first, 0)]}
    return root, {"Product": lambda rep: products.get(str(rep.get("upc")))}


def _inventory() -> tuple[Record, dict[str, EntityResolver]]:
    def product(rep: Mapping[str, Any]) -> Record | None:
        upc = str(rep.get("upc"))
        if upc not in data.IN_STOCK:
            return None
        # The benchmark's inventory resolves the entity from its own table, which has no
        # price/weight: the required fields it receives are not used, the estimate is null.
        return {"__typename": "Product", "upc": upc, "inStock": data.IN_STOCK[upc], "shippingEstimate": None}

    return {}, {"Product": product}


def _reviews() -> tuple[Record, dict[str, EntityResolver]]:
    reviews: dict[str, Record] = {}
    products: dict[str, Record] = {}

    def product(upc: str) -> Record:
        if upc not in products:
            products[upc] = {
                "__typename": "Product",
                "upc": upc,
                "reviews": lambda _info: [r for r in reviews.values() if r["product"]["upc"] == upc],
            }
        return products[upc]

    def user_reviews(_info: Any) -> list[Record]:
        return list(reviews.values())[: data.USER_REVIEW_COUNT]

    author = {"__typename": "User", "id": data.AUTHOR_ID, "username": data.AUTHOR_USERNAME, "reviews": user_reviews}
    for review_id, body, upc in data.REVIEWS:
        reviews[review_id] = {"__typename": "Review", "id": review_id, "body": body, "product": product(upc),
                              "author": author}
    entities: dict[str, EntityResolver] = {
        "Review": lambda rep: reviews.get(str(rep.get("id"))),
        "User": lambda rep: {"__typename": "User", "id": rep.get("id"), "username": "user", "reviews": user_reviews},
        "Product": lambda rep: product(str(rep.get("upc"))),
    }
    return {}, entities


_RECORDS: Final[dict[str, Callable[[], tuple[Record, dict[str, EntityResolver]]]]] = {
    "accounts": _accounts,
    "inventory": _inventory,
    "products": _products,
    "reviews": _reviews,
}


@dataclass
class Subgraph:
    """One subgraph: answers a GraphQL-over-HTTP request body with the response body."""

    name: str
    schema: GraphQLSchema
    root: Record

    def answer(self, body: bytes) -> bytes:
        try:
            request = orjson.loads(body)
            if not isinstance(request, dict) or not isinstance(request.get("query"), str):
                raise ValueError("the body must be a JSON object with a query string")
        except (orjson.JSONDecodeError, ValueError) as error:
            return orjson.dumps({"errors": [{"message": f"bad request: {error}"}]})
        result = graphql_sync(
            self.schema,
            request["query"],
            root_value=self.root,
            variable_values=request.get("variables"),
            operation_name=request.get("operationName"),
        )
        return orjson.dumps(result.formatted)


def load(name: str) -> Subgraph:
    text = sdl(name)
    schema = build_subgraph_schema(text)
    root, entities = _RECORDS[name]()
    if entities:
        root["_entities"] = lambda _info, representations: [entities[r["__typename"]](r) for r in representations]
    root["_service"] = lambda _info: {"sdl": text}
    return Subgraph(name, schema, root)


def load_all() -> dict[str, Subgraph]:
    return {name: load(name) for name in NAMES}
