"""Apollo's own gateway accepts the supergraph we compose and plans across it.

Three small Strawberry subgraphs run on real sockets; `compose` reads their SDL
over HTTP (`schema.subgraph_url` in supergraph.yaml); @apollo/gateway (Node,
dev-only) serves the result and we query through it: entity jumps by key,
@requires, @provides and an interface with implementations in two subgraphs.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from strawberry.asgi import GraphQL
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.federation import Schema

from router.composition.cli import compose_from_config
from tests.composition.corpus import NODE_MODULES
from tests.support.ports import free_port
from tests.support.servers import serve_app

PRODUCTS = {"1": ("Table", 120, 30), "2": ("Chair", 40, 5)}
REVIEWS = {"1": ["Sturdy", "Heavy"], "2": ["Comfy"]}


# --------------------------------------------------------------------------- products


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    name: str = strawberry.federation.field(shareable=True)  # also provided by reviews
    price: int
    weight: int

    @classmethod
    def resolve_reference(cls, upc: str) -> "Product":
        name, price, weight = PRODUCTS[upc]
        return cls(upc=upc, name=name, price=price, weight=weight)


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def top_products(self) -> list[Product]:
        return [Product.resolve_reference(upc) for upc in PRODUCTS]


products_schema = Schema(query=ProductsQuery)


# --------------------------------------------------------------------------- reviews


@strawberry.federation.type(name="Product", keys=["upc"])
class ReviewedProduct:
    upc: str
    name: str = strawberry.federation.field(external=True)

    @strawberry.field
    def reviews(self) -> list["Review"]:
        return [Review(body=b, product=self) for b in REVIEWS.get(self.upc, [])]

    @classmethod
    def resolve_reference(cls, upc: str) -> "ReviewedProduct":
        return cls(upc=upc, name=PRODUCTS[upc][0])


@strawberry.type
class Review:
    body: str
    product: ReviewedProduct = strawberry.federation.field(provides=["name"])


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def latest_reviews(self) -> list[Review]:
        return [Review(body=b, product=ReviewedProduct.resolve_reference(upc)) for upc, bs in REVIEWS.items() for b in bs]


reviews_schema = Schema(query=ReviewsQuery, types=[ReviewedProduct])


# --------------------------------------------------------------------------- inventory


@strawberry.federation.type(name="Product", keys=["upc"])
class StockedProduct:
    upc: str
    price: int = strawberry.federation.field(external=True)
    weight: int = strawberry.federation.field(external=True)

    @strawberry.federation.field(requires=["price weight"])
    def shipping_estimate(self) -> int:
        return 0 if self.price > 100 else self.weight // 2

    @classmethod
    def resolve_reference(cls, upc: str, price: int | None = None, weight: int | None = None) -> "StockedProduct":
        return cls(upc=upc, price=price or 0, weight=weight or 0)


@strawberry.type
class InventoryQuery:
    @strawberry.field
    def in_stock(self) -> bool:
        return True


inventory_schema = Schema(query=InventoryQuery, types=[StockedProduct])


# --------------------------------------------------------------------------- harness


@pytest.fixture(scope="module")
def subgraph_urls() -> Iterator[dict[str, str]]:
    apps = {"products": products_schema, "reviews": reviews_schema, "inventory": inventory_schema}
    with contextlib.ExitStack() as stack:
        urls = {}
        for name, schema in apps.items():
            app = Starlette(routes=[Route("/graphql", GraphQL(schema, graphql_ide=None))])
            urls[name] = stack.enter_context(serve_app(app)).url + "/graphql"
        yield urls


@pytest.fixture(scope="module")
def supergraph(subgraph_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("gateway")
    config = directory / "supergraph.yaml"
    config.write_text(
        "federation_version: =2.9.0\nsubgraphs:\n"
        + "".join(
            f"  {name}:\n    routing_url: {url}\n    schema:\n      subgraph_url: {url}\n"
            for name, url in subgraph_urls.items()
        )
    )
    result = compose_from_config(config)
    assert result.ok, [e.format() for e in result.errors]
    path = directory / "supergraph.graphql"
    path.write_text(result.supergraph_sdl or "")
    return path


@pytest.fixture(scope="module")
def gateway_url(supergraph: Path) -> Iterator[str]:
    if not (NODE_MODULES / "@apollo" / "gateway").is_dir():
        pytest.fail("tools/node is not installed (run `make node`)")
    port = free_port()
    process = subprocess.Popen(
        ["node", str(Path(__file__).with_name("gateway.cjs")), str(supergraph), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("ready") or process.poll() is not None:
                break
        if not line.startswith("ready"):
            raise RuntimeError(f"gateway did not start: {line} {process.stderr.read() if process.stderr else ''}")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


def query(url: str, text: str) -> dict[str, Any]:
    response = httpx.post(url, json={"query": text}, headers={"apollo-require-preflight": "true"}, timeout=20)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.mark.node
def test_gateway_joins_entities_across_subgraphs(gateway_url: str) -> None:
    data = query(gateway_url, "{ topProducts { upc name reviews { body } shippingEstimate } }")
    assert data == {
        "topProducts": [
            {"upc": "1", "name": "Table", "reviews": [{"body": "Sturdy"}, {"body": "Heavy"}], "shippingEstimate": 0},
            {"upc": "2", "name": "Chair", "reviews": [{"body": "Comfy"}], "shippingEstimate": 2},
        ]
    }


@pytest.mark.node
def test_gateway_uses_provides_and_requires_from_another_subgraph(gateway_url: str) -> None:
    data = query(gateway_url, "{ latestReviews { body product { name price shippingEstimate } } }")
    assert data["latestReviews"][0] == {"body": "Sturdy", "product": {"name": "Table", "price": 120, "shippingEstimate": 0}}
    assert data["latestReviews"][-1] == {"body": "Comfy", "product": {"name": "Chair", "price": 40, "shippingEstimate": 2}}


@pytest.mark.node
def test_composed_supergraph_has_the_join_metadata(supergraph: Path) -> None:
    sdl = supergraph.read_text()
    assert 'shippingEstimate: Int! @join__field(graph: INVENTORY, requires: "price weight")' in sdl
    assert 'product: Product! @join__field(graph: REVIEWS, provides: "name")' in sdl
    assert '@join__type(graph: INVENTORY, key: "upc")' in sdl
