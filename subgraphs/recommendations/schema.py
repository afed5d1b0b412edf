"""GraphQL schema of the recommendations subgraph (Strawberry, Federation 2).

``Recommendation.product`` is the orders subgraph's ``Product`` entity: this subgraph
knows only its key (``resolvable: false``), so the router fetches the product's fields
from orders. Recommendations are personal: ``@authenticated`` and only your own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.types import Info

from subgraphs.common.auth import Principal
from subgraphs.common.context import RequestContext
from subgraphs.common.errors import Forbidden
from subgraphs.recommendations import service
from subgraphs.recommendations.models import RecommendationRow

FEDERATION_VERSION = "2.9"


@strawberry.federation.type(
    keys=[Key(fields="id", resolvable=False)]
)
class Product:
    id: int


@strawberry.type(description="A product recommended to a user, and why.")
class Recommendation:
    id: int
    user_id: int
    product_id: int
    reason: str
    created_at: datetime

    @strawberry.field(description="The recommended product (resolved by the orders subgraph).")
    def product(self) -> Product:
        return Product(id=self.product_id)

    @classmethod
    def from_row(cls, row: RecommendationRow) -> Self:
        return cls(id=row.id, user_id=row.user_id, product_id=row.product_id, reason=row.reason, created_at=row.created_at)


def _own_user(principal: Principal, user_id: int | None) -> int:
    if user_id is not None and user_id != principal.user_id:
        raise Forbidden("You can only see your own recommendations")
    return principal.user_id


async def _recommendations(info: Info[RequestContext, None], user_id: int, first: int, offset: int) -> list[Recommendation]:
    rows = await service.list_recommendations(info.context.runtime.database, user_id, first=first, offset=offset)
    return [Recommendation.from_row(row) for row in rows]


@strawberry.federation.type(keys=["id"])
class User:
    """Owned by the users subgraph; this subgraph adds a field (no description here, so composition keeps users' one)."""

    id: int

    @classmethod
    def resolve_reference(cls, id: int) -> Self:
        return cls(id=int(id))

    @strawberry.federation.field(authenticated=True, description="Products recommended to the user, newest first (only your own).")
    async def recommendations(self, info: Info[RequestContext, None], first: int = 20, offset: int = 0) -> list[Recommendation]:
        _own_user(info.context.require_user(), self.id)
        return await _recommendations(info, self.id, first, offset)


@strawberry.type
class Query:
    @strawberry.federation.field(authenticated=True, description="Products recommended to the caller, newest first.")
    async def recommendations(
        self, info: Info[RequestContext, None], user_id: int | None = None, first: int = 20, offset: int = 0
    ) -> list[Recommendation]:
        owner = _own_user(info.context.require_user(), user_id)
        return await _recommendations(info, owner, first, offset)


schema = strawberry.federation.Schema(query=Query, types=[User, Product], federation_version=FEDERATION_VERSION)
