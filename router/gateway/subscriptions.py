"""The request pipeline for subscriptions, shared by every streaming transport.

The same stages as a query (``Gateway.prepare``: persisted queries, parse, validation,
limits, variables; then authorization and the cached planner), but the result is a
stream of responses. Authorization is checked before anything is subscribed: when
the root field itself is not allowed the subscription is refused with the error, so
no subgraph ever starts producing events for a caller who may not see them; fields
below it that are not allowed come out ``null`` in every event, with their error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import OperationType

from router.auth import Principal
from router.gateway.authorization import UNAUTHORIZED_CODE, unauthorized_errors
from router.gateway.errors import RequestError
from router.gateway.pipeline import Gateway
from router.gateway.request import GraphQLRequest

log = logging.getLogger("router.gateway.subscriptions")


@dataclass(frozen=True)
class Accepted:
    """A subscription that passed every check; iterate ``events`` for its responses."""

    events: AsyncIterator[dict[str, Any]]
    operation_name: str | None


def is_subscription(gateway: Gateway, request: GraphQLRequest) -> bool:
    """Whether ``request`` names a subscription (False when it does not parse: the normal path reports that)."""
    text = request.query
    if gateway.persisted is not None:
        try:
            text = gateway.persisted.resolve(text, request.extensions)
        except RequestError:
            return False
    if text is None:
        return False
    try:
        return gateway.documents.operation(text, request.operation_name).kind is OperationType.SUBSCRIPTION
    except RequestError:
        return False


def subscribe(
    gateway: Gateway, request: GraphQLRequest, *, principal: Principal, headers: Mapping[str, str]
) -> Accepted:
    """Check, authorize and plan a subscription; :class:`RequestError` when it cannot start.

    Nothing is sent to a subgraph until ``events`` is iterated.
    """
    prepared, variables = gateway.prepare(request, method="POST", allow_subscription=True)
    if prepared.kind is not OperationType.SUBSCRIPTION:
        raise RequestError.single("The operation is not a subscription.", "BAD_REQUEST", graphql_error=False)
    authorized = gateway._authorize(prepared, variables, principal)
    removed = authorized.removed
    if any(len(path) == 1 for path in removed):
        raise RequestError(
            unauthorized_errors([path for path in removed if len(path) == 1]),
            status=401 if not principal.authenticated else 403,
            graphql_error=False,
            headers={"WWW-Authenticate": "Bearer"} if not principal.authenticated else None,
        )
    operation_name = prepared.operation_name
    try:
        plan = gateway.engine.plan(authorized.plan_key, authorized.document, operation_name, variables)
        events = gateway.engine.subscribe(  # type: ignore[attr-defined]
            plan,
            variables,
            headers=gateway._forwarded(headers),
            shape_document=authorized.shape_document,
            operation_name=operation_name,
            errors=unauthorized_errors(removed) if removed else None,
        )
    except Exception as error:
        message = getattr(error, "message", None) if type(error).__name__ == "PlanningError" else None
        log.error("subscription planning failed", exc_info=message is None, extra={"operation": operation_name})
        raise RequestError.single(
            f"The router could not plan this subscription: {message}" if message else
            "The router could not plan this subscription.",
            "QUERY_PLANNING_FAILED",
            status=500,
            graphql_error=False,
        ) from None
    return Accepted(events, operation_name)


__all__ = ["Accepted", "UNAUTHORIZED_CODE", "is_subscription", "subscribe"]
