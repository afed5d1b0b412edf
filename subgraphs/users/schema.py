"""GraphQL schema of the users subgraph (Strawberry, Federation 2).

Resolvers stay thin: they authenticate, translate inputs and call ``service``.
``me`` and ``updatePreferences`` carry ``@authenticated`` so the router refuses them
to anonymous callers before any fetch; the resolvers check again, because a subgraph
is also reachable on its own port.
"""

from __future__ import annotations

from typing import Self

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from subgraphs.common.context import RequestContext
from subgraphs.common.errors import Forbidden
from subgraphs.users import service
from subgraphs.users.models import UserRow

FEDERATION_VERSION = "2.9"


@strawberry.type(description="Which notifications the user wants to receive.")
class Preferences:
    promotions: bool
    order_updates: bool
    recommendations: bool


@strawberry.federation.type(keys=["id"], description="A customer account. Other subgraphs extend it.")
class User:
    id: int
    name: str
    email: str
    preferences: Preferences

    @classmethod
    def from_row(cls, row: UserRow) -> Self:
        return cls(
            id=row.id,
            name=row.name,
            email=row.email,
            preferences=Preferences(
                promotions=row.pref_promotions,
                order_updates=row.pref_order_updates,
                recommendations=row.pref_recommendations,
            ),
        )

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], id: int) -> Self | None:
        context = info.context
        principal = context.require_user()
        user_id = int(id)
        # Users see only their own account.
        if principal.user_id != user_id and not principal.is_admin:
            raise Forbidden("You can only read your own account")
        loader = context.loader("users", lambda: DataLoader(load_fn=_users_loader(context)))
        row = await loader.load(user_id)
        return cls.from_row(row) if row is not None else None


def _users_loader(context: RequestContext):  # type: ignore[no-untyped-def]
    async def load(ids: list[int]) -> list[UserRow | None]:
        rows = await service.users_by_id(context.runtime.database, ids)
        return [rows.get(user_id) for user_id in ids]

    return load


@strawberry.type(description="A signed access token for the logged-in user.")
class LoginResponse:
    token: str
    user_id: int


@strawberry.input(description="Partial preferences: omitted fields keep their value (default on at registration).")
class PreferencesInput:
    promotions: bool | None = None
    order_updates: bool | None = None
    recommendations: bool | None = None


@strawberry.input
class UserInput:
    name: str
    email: str
    password: str
    preferences: PreferencesInput | None = None


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class PrefsInput:
    preferences: PreferencesInput


def _changes(preferences: PreferencesInput | None) -> service.PreferenceChanges:
    if preferences is None:
        return service.PreferenceChanges()
    return service.PreferenceChanges(
        promotions=preferences.promotions,
        order_updates=preferences.order_updates,
        recommendations=preferences.recommendations,
    )


@strawberry.type
class Query:
    @strawberry.federation.field(authenticated=True, description="The logged-in user.")
    async def me(self, info: Info[RequestContext, None]) -> User | None:
        principal = info.context.require_user()
        rows = await service.users_by_id(info.context.runtime.database, [principal.user_id])
        row = rows.get(principal.user_id)
        return User.from_row(row) if row is not None else None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create an account. Preferences default to all on.")
    async def register(self, info: Info[RequestContext, None], user_input: UserInput) -> User:
        runtime = info.context.runtime
        row = await service.register(
            runtime.database,
            runtime.settings,
            name=user_input.name,
            email=user_input.email,
            password=user_input.password,
            preferences=_changes(user_input.preferences),
        )
        return User.from_row(row)

    @strawberry.mutation(description="Exchange email and password for an access token.")
    async def login(self, info: Info[RequestContext, None], login_input: LoginInput) -> LoginResponse:
        runtime = info.context.runtime
        result = await service.login(
            runtime.database, runtime.settings, email=login_input.email, password=login_input.password
        )
        return LoginResponse(token=result.token, user_id=result.user_id)

    @strawberry.federation.field(authenticated=True, description="Change the caller's notification preferences.")
    async def update_preferences(self, info: Info[RequestContext, None], prefs_input: PrefsInput) -> User:
        principal = info.context.require_user()
        row = await service.update_preferences(
            info.context.runtime.database, principal.user_id, _changes(prefs_input.preferences)
        )
        return User.from_row(row)


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    federation_version=FEDERATION_VERSION,
)
