"""Two small Strawberry subgraphs with subscriptions, for the router's subscription tests.

reviews produces the events (``reviewAdded`` and friends, fed by the ``addReview``
mutation over HTTP) and resolves ``Product.priceBand`` with ``@requires(price)``;
products owns ``Product.name``/``price``. So a subscription that selects
``product { name priceBand }`` needs, per event, a jump to products and one back to
reviews: the federated completion the router must do. The apps keep count of the
open subscriptions and remember what each connection_init carried.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.types import Info

PRODUCTS = {"1": {"name": "Lamp", "price": 20.0}, "2": {"name": "Desk", "price": 300.0}}


class Broker:
    """In-memory pub/sub on the reviews server's own event loop."""

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[Review]] = set()
        self.opened = 0
        self.init_payloads: list[Any] = []
        self.upgrade_authorizations: list[str | None] = []

    @property
    def active(self) -> int:
        return len(self.queues)

    async def stream(self, product_id: str | None = None) -> AsyncGenerator[Review, None]:
        queue: asyncio.Queue[Review | str] = asyncio.Queue()
        self.queues.add(queue)
        self.opened += 1
        try:
            while True:
                review = await queue.get()
                if isinstance(review, str):  # ``end``: complete, or break the subscription
                    if review == "complete":
                        return
                    raise StreamBroken()
                if product_id is None or review.product_id == product_id:
                    yield review
        finally:
            self.queues.discard(queue)

    def publish(self, review: Review) -> None:
        for queue in self.queues:
            queue.put_nowait(review)

    def end(self, how: str) -> int:
        """End every open stream: ``complete`` returns, anything else raises StreamBroken."""
        for queue in self.queues:
            queue.put_nowait(how)
        return len(self.queues)


class StreamBroken(Exception):
    """The test asked the open streams to fail."""


BROKER = Broker()


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    price: float = strawberry.federation.field(external=True, default=-1.0)

    @strawberry.federation.field(requires=["price"])
    def price_band(self) -> str:
        assert self.price >= 0, "the router must send the required price"
        return "cheap" if self.price < 100 else "premium"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, price: float = -1.0) -> Product:
        return cls(id=id, price=price)


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    product_id: strawberry.Private[str]

    @strawberry.field
    def product(self) -> Product:
        return Product(id=strawberry.ID(self.product_id))

    @strawberry.federation.field(authenticated=True)
    def reviewer_email(self) -> str | None:
        return "ann@example.com"


_reviews = iter(range(1, 1_000_000))


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def review_count(self) -> int:
        return BROKER.opened


@strawberry.type
class ReviewsMutation:
    @strawberry.mutation
    def add_review(self, product_id: strawberry.ID, body: str) -> Review:
        review = Review(id=strawberry.ID(str(next(_reviews))), body=body, product_id=str(product_id))
        BROKER.publish(review)
        return review

    @strawberry.mutation
    def end_streams(self, how: str) -> int:
        """Complete (``complete``) or break (``break``) every open stream; how many there were."""
        return BROKER.end(how)


def _authorization(info: Info) -> tuple[Any, str | None]:
    websocket = info.context["request"]
    return info.context.get("connection_params"), websocket.headers.get("authorization")


@strawberry.type
class ReviewsSubscription:
    @strawberry.subscription
    async def review_added(self, product_id: strawberry.ID | None = None) -> AsyncGenerator[Review, None]:
        async for review in BROKER.stream(str(product_id) if product_id else None):
            yield review

    @strawberry.federation.field(is_subscription=True, authenticated=True)
    async def private_review_added(self) -> AsyncGenerator[Review, None]:
        async for review in BROKER.stream():
            yield review

    @strawberry.federation.field(is_subscription=True, requires_scopes=[["admin"]])
    async def audit_log(self) -> AsyncGenerator[str, None]:
        async for review in BROKER.stream():
            yield f"review {review.id} added"

    @strawberry.subscription
    async def countdown(self, start: int) -> AsyncGenerator[int, None]:
        for value in range(start, 0, -1):
            yield value

    @strawberry.subscription
    async def credentials(self, info: Info) -> AsyncGenerator[str, None]:
        """What this subgraph connection carried: the init payload's Authorization, then the upgrade header's."""
        params, header = _authorization(info)
        yield str((params or {}).get("Authorization"))
        yield str(header)

    @strawberry.subscription
    async def review_bodies(self, info: Info) -> AsyncGenerator[str, None]:
        """Bodies of new reviews until ``endStreams``: completed, or the socket broken (code 1011)."""
        try:
            async for review in BROKER.stream():
                yield review.body
        except StreamBroken:
            await info.context["request"].close(code=1011)
            await asyncio.sleep(10)

    @strawberry.subscription
    async def dropped(self, info: Info) -> AsyncGenerator[int, None]:
        """One event, then the subgraph's socket breaks (as when a subgraph dies)."""
        yield 1
        await asyncio.sleep(0.1)
        await info.context["request"].close(code=1011)
        await asyncio.sleep(10)
        yield 2


@strawberry.federation.type(name="Product", keys=["id"])
class ProductsProduct:
    id: strawberry.ID
    name: str
    price: float

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ProductsProduct:
        data = PRODUCTS[str(id)]
        return cls(id=id, name=data["name"], price=data["price"])


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def product(self, id: strawberry.ID) -> ProductsProduct | None:
        return ProductsProduct.resolve_reference(id) if str(id) in PRODUCTS else None


reviews_schema = strawberry.federation.Schema(
    query=ReviewsQuery, mutation=ReviewsMutation, subscription=ReviewsSubscription, types=[Product, Review]
)
products_schema = strawberry.federation.Schema(query=ProductsQuery, types=[ProductsProduct])


def service_sdl(schema: Any) -> str:
    result = schema.execute_sync("{ _service { sdl } }")
    assert result.errors is None, result.errors
    return str(result.data["_service"]["sdl"])


def apps() -> dict[str, GraphQL]:
    return {"reviews": GraphQL(reviews_schema, graphql_ide=None), "products": GraphQL(products_schema, graphql_ide=None)}
