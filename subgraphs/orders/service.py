"""Order rules, free of GraphQL so resolvers, the status job and the CLI share them.

Every state change commits together with its event (the outbox), and every status
change is a compare-and-set under a row lock, so two replicas running the status job
can never move one order through the same step twice or publish a change twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from subgraphs.common.database import Database
from subgraphs.common.errors import BadUserInput, NotFound
from subgraphs.orders.catalog import demo_catalog
from subgraphs.orders.models import OrderItemRow, OrderRow, ProductRow, events, utc_now

PLACED, PROCESSING, SHIPPED, DELIVERED, CANCELLED = "placed", "processing", "shipped", "delivered", "cancelled"
# The automatic lifecycle; "cancelled" is reached only by cancelOrder.
NEXT_STATUS = {PLACED: PROCESSING, PROCESSING: SHIPPED, SHIPPED: DELIVERED}
CANCELLABLE = frozenset({PLACED, PROCESSING})

MAX_ORDER_LINES = 100
MAX_QUANTITY = 1000
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class ItemRequest:
    product_id: int
    quantity: int


# -- catalogue ---------------------------------------------------------------------


def product_event(product: ProductRow) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "name": product.name,
        "category": product.category,
        "price_cents": product.price_cents,
    }


async def seed_catalog(database: Database) -> int:
    """Load the demo catalogue into an empty database; return how many products were added.

    Each product is also published (``product.upserted``) so services that mirror the
    catalogue learn it without calling us. Replicas starting together race on the
    primary keys; the loser finds the catalogue already there.
    """
    try:
        async with database.transaction() as session:
            if await session.scalar(select(func.count()).select_from(ProductRow)):
                return 0
            now = utc_now()
            products = [
                ProductRow(id=item.id, name=item.name, category=item.category, price_cents=item.price_cents, updated_at=now)
                for item in demo_catalog()
            ]
            session.add_all(products)
            await session.flush()
            for product in products:
                await events.enqueue(session, "product.upserted", product_event(product))
            return len(products)
    except IntegrityError:
        return 0


async def publish_catalog(database: Database) -> int:
    """Publish every product again, for a consumer whose mirror must be rebuilt."""
    async with database.transaction() as session:
        products = (await session.scalars(select(ProductRow).order_by(ProductRow.id))).all()
        for product in products:
            await events.enqueue(session, "product.upserted", product_event(product))
    return len(products)


def _page(first: int, offset: int) -> tuple[int, int]:
    if first < 0 or first > MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 0 and {MAX_PAGE_SIZE}", field="first")
    if offset < 0:
        raise BadUserInput("offset must not be negative", field="offset")
    return first, offset


async def list_products(database: Database, *, category: str | None, first: int, offset: int) -> Sequence[ProductRow]:
    first, offset = _page(first, offset)
    query = select(ProductRow).order_by(ProductRow.id).limit(first).offset(offset)
    if category is not None:
        query = query.where(ProductRow.category == category)
    async with database.session() as session:
        return (await session.scalars(query)).all()


async def list_categories(database: Database) -> list[str]:
    async with database.session() as session:
        return list((await session.scalars(select(ProductRow.category).distinct().order_by(ProductRow.category))).all())


async def products_by_id(database: Database, ids: Iterable[int]) -> dict[int, ProductRow]:
    wanted = set(ids)
    if not wanted:
        return {}
    async with database.session() as session:
        rows = (await session.scalars(select(ProductRow).where(ProductRow.id.in_(wanted)))).all()
    return {row.id: row for row in rows}


# -- placing and reading orders -------------------------------------------------------


def merge_items(items: Sequence[ItemRequest]) -> dict[int, int]:
    """Validate the requested lines; lines naming the same product are added together."""
    if len(items) > MAX_ORDER_LINES:
        raise BadUserInput(f"An order can have at most {MAX_ORDER_LINES} lines", field="items")
    lines: dict[int, int] = {}
    for index, item in enumerate(items):
        if item.quantity <= 0:
            raise BadUserInput(
                f"Quantity must be a positive number (item {index + 1}, product {item.product_id})", field="items"
            )
        lines[item.product_id] = lines.get(item.product_id, 0) + item.quantity
        if lines[item.product_id] > MAX_QUANTITY:
            raise BadUserInput(f"At most {MAX_QUANTITY} of one product per order", field="items")
    return lines


def _placed_event(order: OrderRow, products: dict[int, ProductRow]) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "user_id": order.user_id,
        "status": order.status,
        "items": [
            {
                "product_id": item.product_id,
                "name": products[item.product_id].name,
                "category": products[item.product_id].category,
                "quantity": item.quantity,
                "unit_price_cents": item.unit_price_cents,
            }
            for item in order.items
        ],
        "total_cents": order.total_cents,
        "placed_at": order.created_at.isoformat(),
    }


def _status_event(order: OrderRow, previous: str) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "user_id": order.user_id,
        "previous_status": previous,
        "status": order.status,
        "changed_at": order.status_changed_at.isoformat(),
    }


async def place_order(database: Database, user_id: int, items: Sequence[ItemRequest]) -> OrderRow:
    lines = merge_items(items)
    async with database.transaction() as session:
        products = {
            row.id: row
            for row in (await session.scalars(select(ProductRow).where(ProductRow.id.in_(lines)))).all()
        } if lines else {}
        missing = sorted(set(lines) - set(products))
        if missing:
            listed = ", ".join(str(product_id) for product_id in missing)
            raise BadUserInput(f"Unknown product id{'s' if len(missing) > 1 else ''}: {listed}", field="items")
        now = utc_now()
        order = OrderRow(user_id=user_id, status=PLACED, created_at=now, updated_at=now, status_changed_at=now)
        order.items = [
            OrderItemRow(product_id=product_id, quantity=quantity, unit_price_cents=products[product_id].price_cents)
            for product_id, quantity in lines.items()
        ]
        order.total_cents = sum(item.quantity * item.unit_price_cents for item in order.items)
        session.add(order)
        await session.flush()
        await events.enqueue(session, "order.placed", _placed_event(order, products))
    return order


def _with_items(query: Any) -> Any:
    return query.options(selectinload(OrderRow.items))


async def list_orders(database: Database, user_id: int, *, first: int, offset: int) -> Sequence[OrderRow]:
    first, offset = _page(first, offset)
    query = _with_items(
        select(OrderRow).where(OrderRow.user_id == user_id).order_by(OrderRow.id.desc()).limit(first).offset(offset)
    )
    async with database.session() as session:
        return (await session.scalars(query)).all()


async def get_order(database: Database, user_id: int, order_id: int) -> OrderRow | None:
    """The caller's order, or None: someone else's order looks exactly like a missing one."""
    query = _with_items(select(OrderRow).where(OrderRow.id == order_id, OrderRow.user_id == user_id))
    async with database.session() as session:
        return (await session.scalars(query)).first()


async def _change_status(session: AsyncSession, order: OrderRow, status: str, now: datetime) -> None:
    previous = order.status
    order.status = status
    order.status_changed_at = now
    order.updated_at = now
    await session.flush()
    await events.enqueue(session, "order.status_changed", _status_event(order, previous))


async def cancel_order(database: Database, user_id: int, order_id: int) -> OrderRow:
    async with database.transaction() as session:
        order = (
            await session.scalars(
                _with_items(select(OrderRow).where(OrderRow.id == order_id, OrderRow.user_id == user_id)).with_for_update()
            )
        ).first()
        if order is None:
            raise NotFound(f"Order {order_id} not found")
        if order.status == CANCELLED:
            raise BadUserInput(f"Order #{order_id} is already cancelled")
        if order.status not in CANCELLABLE:
            raise BadUserInput(f"Order #{order_id} has already {order.status} and can no longer be cancelled")
        await _change_status(session, order, CANCELLED, utc_now())
    return order


# -- the status job ---------------------------------------------------------------------


async def advance_orders(database: Database, *, min_age: timedelta, batch_size: int = 200) -> int:
    """Move every active order whose status is at least ``min_age`` old one step forward.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so concurrent replicas
    split the work; an order just moved has a fresh ``status_changed_at`` and is not
    eligible again until ``min_age`` has passed, so it moves at most one step per run.
    """
    cutoff = utc_now() - min_age
    moved = 0
    while True:
        async with database.transaction() as session:
            orders = (
                await session.scalars(
                    select(OrderRow)
                    .where(OrderRow.status.in_(tuple(NEXT_STATUS)), OrderRow.status_changed_at <= cutoff)
                    .order_by(OrderRow.id)
                    .limit(batch_size)
                    .with_for_update(**database.for_update())
                )
            ).all()
            now = utc_now()
            for order in orders:
                await _change_status(session, order, NEXT_STATUS[order.status], now)
        moved += len(orders)
        if len(orders) < batch_size:
            return moved
