"""GraphQL schema of the orders subgraph (Strawberry, Federation 2).

Orders owns the ``Product`` entity (other subgraphs, e.g. recommendations, return
``Product`` references that the router resolves here) and adds ``User.orders``.
Personal fields carry ``@authenticated`` for the router and check the token again here,
because a subgraph is also reachable on its own port. Someone else's order reads exactly
like a missing one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from subgraphs.common.context import RequestContext
from subgraphs.common.errors import Forbidden
from subgraphs.orders import service
from subgraphs.orders.models import OrderItemRow, OrderRow, ProductRow

FEDERATION_VERSION = "2.9"


def _cents(value: int) -> float:
    return round(value / 100, 2)


@strawberry.federation.type(keys=["id"], description="A product of the catalogue.")
class Product:
    id: int
    name: str
    category: str
    price: float = strawberry.field(description="Price in dollars.")

    @classmethod
    def from_row(cls, row: ProductRow) -> Self:
        return cls(id=row.id, name=row.name, category=row.category, price=_cents(row.price_cents))

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], id: int) -> Self | None:
        row = await _product_loader(info.context).load(int(id))
        return cls.from_row(row) if row is not None else None


def _product_loader(context: RequestContext) -> DataLoader[int, ProductRow | None]:
    async def load(ids: list[int]) -> list[ProductRow | None]:
        rows = await service.products_by_id(context.runtime.database, ids)
        return [rows.get(product_id) for product_id in ids]

    return context.loader("products", lambda: DataLoader(load_fn=load))  # type: ignore[no-any-return]


@strawberry.type(description="One line of an order.")
class OrderItem:
    product_id: strawberry.Private[int]
    quantity: int
    unit_price: float = strawberry.field(description="Price paid per unit, in dollars.")

    @strawberry.field
    async def product(self, info: Info[RequestContext, None]) -> Product:
        row = await _product_loader(info.context).load(self.product_id)
        assert row is not None  # order items reference products by foreign key
        return Product.from_row(row)

    @classmethod
    def from_row(cls, row: OrderItemRow) -> Self:
        return cls(product_id=row.product_id, quantity=row.quantity, unit_price=_cents(row.unit_price_cents))


@strawberry.type(
    description="An order. Status: placed, processing, shipped, delivered (advanced automatically) or cancelled."
)
class Order:
    id: int
    user_id: int
    status: str
    items: list[OrderItem]
    total: float = strawberry.field(description="Sum of quantity x unit price, in dollars.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: OrderRow) -> Self:
        return cls(
            id=row.id,
            user_id=row.user_id,
            status=row.status,
            items=[OrderItem.from_row(item) for item in row.items],
            total=_cents(row.total_cents),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.federation.type(keys=["id"])
class User:
    """Owned by the users subgraph; this subgraph adds a field (no description here, so composition keeps users' one)."""

    id: int

    @classmethod
    def resolve_reference(cls, id: int) -> Self:
        return cls(id=int(id))

    @strawberry.federation.field(authenticated=True, description="The user's orders, newest first (only your own).")
    async def orders(self, info: Info[RequestContext, None], first: int = 20, offset: int = 0) -> list[Order]:
        principal = info.context.require_user()
        if principal.user_id != self.id:
            raise Forbidden("You can only see your own orders")
        rows = await service.list_orders(info.context.runtime.database, self.id, first=first, offset=offset)
        return [Order.from_row(row) for row in rows]


@strawberry.input
class OrderItemInput:
    product_id: int
    quantity: int = 1


@strawberry.input(description="userId may be omitted (the caller); items may be empty.")
class OrderInput:
    user_id: int | None = None
    items: list[OrderItemInput] | None = None


@strawberry.type
class Query:
    @strawberry.field(description="The catalogue, optionally one category, by id.")
    async def products(
        self, info: Info[RequestContext, None], category: str | None = None, first: int = 100, offset: int = 0
    ) -> list[Product]:
        rows = await service.list_products(info.context.runtime.database, category=category, first=first, offset=offset)
        return [Product.from_row(row) for row in rows]

    @strawberry.field(description="One product, or null if there is no such product.")
    async def product(self, info: Info[RequestContext, None], id: int) -> Product | None:
        row = await _product_loader(info.context).load(id)
        return Product.from_row(row) if row is not None else None

    @strawberry.field(description="The catalogue's categories, alphabetically.")
    async def categories(self, info: Info[RequestContext, None]) -> list[str]:
        return await service.list_categories(info.context.runtime.database)

    @strawberry.federation.field(authenticated=True, description="The caller's orders, newest first.")
    async def orders(self, info: Info[RequestContext, None], first: int = 20, offset: int = 0) -> list[Order]:
        principal = info.context.require_user()
        rows = await service.list_orders(info.context.runtime.database, principal.user_id, first=first, offset=offset)
        return [Order.from_row(row) for row in rows]

    @strawberry.federation.field(authenticated=True, description="One of the caller's orders, or null.")
    async def order(self, info: Info[RequestContext, None], id: int) -> Order | None:
        principal = info.context.require_user()
        row = await service.get_order(info.context.runtime.database, principal.user_id, id)
        return Order.from_row(row) if row is not None else None


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(authenticated=True, description="Place an order for the caller; status starts as placed.")
    async def place_order(self, info: Info[RequestContext, None], order_input: OrderInput) -> Order:
        principal = info.context.require_user()
        if order_input.user_id is not None and order_input.user_id != principal.user_id:
            raise Forbidden("You can only place orders for yourself")
        items = [service.ItemRequest(item.product_id, item.quantity) for item in order_input.items or []]
        row = await service.place_order(info.context.runtime.database, principal.user_id, items)
        return Order.from_row(row)

    @strawberry.federation.mutation(authenticated=True, description="Cancel one of the caller's orders before it ships.")
    async def cancel_order(self, info: Info[RequestContext, None], id: int) -> Order:
        principal = info.context.require_user()
        row = await service.cancel_order(info.context.runtime.database, principal.user_id, id)
        return Order.from_row(row)


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[User],
    federation_version=FEDERATION_VERSION,
)
