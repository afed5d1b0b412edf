"""Who is calling over a GraphQL WebSocket (graphql-transport-ws / graphql-ws).

Browsers cannot set headers on a WebSocket, so clients put the token in the
``connection_init`` payload (``{"Authorization": "Bearer ..."}``); the router also
sends it as the upgrade request's header. Both are accepted, the payload first, and a
token that is present but bad refuses the connection (close 4403) rather than letting
the client run as anonymous.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.types.unset import UNSET, UnsetType

from subgraphs.common.auth import AuthError, Principal, bearer_token, verify_access_token
from subgraphs.common.settings import Settings


def payload_authorization(params: Any) -> str | None:
    """The ``Authorization`` value of a connection_init payload (any case, or under ``headers``)."""
    if not isinstance(params, Mapping):
        return None
    for source in (params, params.get("headers")):
        if isinstance(source, Mapping):
            for key, value in source.items():
                if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
                    return value
    return None


def websocket_principal(settings: Settings, params: Any, headers: Mapping[str, str]) -> Principal | None:
    """The verified caller of a WebSocket; ``None`` when anonymous, ``AuthError`` when the token is bad."""
    authorization = payload_authorization(params)
    if authorization is None:
        authorization = headers.get("authorization")
    token = bearer_token(authorization)
    return verify_access_token(settings, token) if token else None


class AuthenticatingGraphQLRouter(GraphQLRouter):  # type: ignore[type-arg]
    """Strawberry's router that authenticates WebSocket clients at ``connection_init``."""

    def __init__(self, *args: Any, authenticate: Callable[[Any, Mapping[str, str]], Principal | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._authenticate = authenticate

    async def on_ws_connect(self, context: Any) -> UnsetType | dict[str, object] | None:
        request = getattr(context, "request", None)
        headers = request.headers if request is not None else {}
        try:
            context.principal = self._authenticate(getattr(context, "connection_params", None), headers)
        except AuthError:
            raise ConnectionRejectionError() from None
        return UNSET
