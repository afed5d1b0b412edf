"""One GraphQL request, from parameters to response dict, with no HTTP in sight.

Stages run in the order the GraphQL-over-HTTP spec implies: resolve the text
(persisted queries), parse, pick the operation, refuse mutations over GET, report
validation errors, apply the production limits, coerce variables, remove what the
caller may not see, then plan (cached by the core) and execute. Every failure
before execution is a :class:`RequestError`; the server turns it into a status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import OperationType
from graphql.execution.values import get_variable_values

from router.auth import Authenticator, Principal
from router.config import RouterConfig
from router.gateway.authorization import make_allows, unauthorized_errors
from router.gateway.documents import DocumentStore, PreparedOperation
from router.gateway.engine import Engine
from router.gateway.errors import RequestError, error_dict, format_error
from router.gateway.persisted import PersistedQueries
from router.gateway.request import GraphQLRequest

log = logging.getLogger("router.gateway")

VARIABLES_INVALID = "VALIDATION_INVALID_TYPE_VARIABLE"


@dataclass
class GatewayResult:
    """A GraphQL response plus what the HTTP layer needs to send it."""

    body: dict[str, Any]
    status: int = 200
    graphql_error: bool = False  # a request error of a well-formed request (200 for application/json)
    headers: dict[str, str] = field(default_factory=dict)
    # The executed answer of a query: an identical concurrent request may receive it too.
    shareable: bool = False

    @classmethod
    def from_error(cls, error: RequestError) -> "GatewayResult":
        return cls({"errors": error.errors}, error.status, error.graphql_error, error.headers)


class Gateway:
    def __init__(self, engine: Engine, config: RouterConfig, authenticator: Authenticator) -> None:
        self.engine = engine
        self.config = config
        self.authenticator = authenticator
        self.documents = DocumentStore(
            engine.api_schema,
            config.limits,
            introspection=config.introspection,
            authorization=engine.authorization,
            max_entries=config.document_cache_size,
        )
        self.persisted = PersistedQueries() if config.persisted_queries else None

    async def run(
        self,
        request: GraphQLRequest,
        *,
        method: str,
        principal: Principal,
        headers: Mapping[str, str],
    ) -> GatewayResult:
        try:
            prepared, variables = self.prepare(request, method=method)
            return await self._execute(prepared, variables, principal, headers)
        except RequestError as error:
            return GatewayResult.from_error(error)

    def prepare(
        self, request: GraphQLRequest, *, method: str, allow_subscription: bool = False
    ) -> tuple[PreparedOperation, dict[str, Any]]:
        """Everything up to (not including) authorization: the checks that need no caller.

        Subscriptions are refused unless the transport streams (``router.gateway.subscriptions``).
        """
        text = request.query
        if self.persisted is not None:
            text = self.persisted.resolve(text, request.extensions)
        if text is None:
            raise RequestError.single("Must provide query string.", "BAD_REQUEST", graphql_error=False)
        prepared = self.documents.operation(text, request.operation_name)
        if method == "GET" and prepared.kind is not OperationType.QUERY:
            raise RequestError.single(
                f"Can only perform a {prepared.kind.value} operation from a POST request.",
                "METHOD_NOT_ALLOWED",
                status=405,
                graphql_error=False,
                headers={"Allow": "POST"},
            )
        if prepared.validation_errors:
            raise RequestError(prepared.validation_errors)
        if prepared.guard_errors:
            raise RequestError(prepared.guard_errors)
        if prepared.kind is OperationType.SUBSCRIPTION and not allow_subscription:
            raise RequestError.single(
                "Subscriptions need a streaming transport: a graphql-transport-ws WebSocket, or an HTTP "
                "request that accepts text/event-stream or multipart/mixed;subscriptionSpec=\"1.0\".",
                "SUBSCRIPTION_NOT_SUPPORTED",
            )
        return prepared, self._coerce_variables(prepared, request.variables)

    def _coerce_variables(self, prepared: PreparedOperation, raw: Mapping[str, Any]) -> dict[str, Any]:
        definitions = prepared.operation.variable_definitions or ()
        if not definitions:
            return {}
        result = get_variable_values(
            self.documents.schema,
            definitions,
            dict(raw),
            max_errors=self.config.limits.max_variable_errors,
        )
        if isinstance(result, list):
            raise RequestError([format_error(error, VARIABLES_INVALID) for error in result])
        return result.coerced

    async def _execute(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any],
        principal: Principal,
        headers: Mapping[str, str],
    ) -> GatewayResult:
        document = prepared.document
        plan_key = prepared.text
        shape_document = None
        removed: tuple[tuple[str, ...], ...] = ()
        authorization = prepared.authorization
        if authorization is not None and authorization.requirements:
            granted = self.authenticator.granted_policies(principal, authorization.policy_names)
            verdict = make_allows(principal.authenticated, principal.scopes, granted)
            filtered = authorization.filter(verdict)
            if filtered is not None:
                document, removed = filtered.document, filtered.reported(variables)
                shape_document = prepared.document
                # One plan per distinct verdict; the marker cannot occur in GraphQL text.
                plan_key = f"{prepared.text}\x00authz:{''.join('1' if v else '0' for v in authorization.verdict(verdict))}"
                if removed:
                    log.info("authorization removed fields", extra={"paths": ["/".join(p) for p in removed]})
        operation_name = prepared.operation_name
        try:
            plan = self.engine.plan(plan_key, document, operation_name, variables)
        except Exception as error:
            message = getattr(error, "message", None) if type(error).__name__ == "PlanningError" else None
            log.error("query planning failed", exc_info=message is None, extra={"operation": operation_name})
            raise RequestError.single(
                f"The router could not plan this operation: {message}" if message else
                "The router could not plan this operation.",
                "QUERY_PLANNING_FAILED",
                status=500,
                graphql_error=False,
            ) from None
        try:
            async with asyncio.timeout(self.config.request_timeout):
                body = await self.engine.execute(
                    plan,
                    variables,
                    headers=self._forwarded(headers),
                    shape_document=shape_document,
                    operation_name=operation_name,
                    # They lead the error list and explain the nulls of the removed fields.
                    errors=unauthorized_errors(removed) if removed else None,
                )
        except TimeoutError:
            raise RequestError.single(
                f"The request did not complete within {self.config.request_timeout:g}s (ROUTER_REQUEST_TIMEOUT).",
                "GATEWAY_TIMEOUT",
                status=504,
                graphql_error=False,
            ) from None
        # A response without `data` must not look like success (GraphQL over HTTP).
        return GatewayResult(body, 200 if "data" in body else 502, shareable=prepared.kind is OperationType.QUERY)

    def _forwarded(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {name: value for name in self.config.forward_headers if (value := headers.get(name)) is not None}


def internal_error() -> GatewayResult:
    return GatewayResult(
        {"errors": [error_dict("Internal server error.", "INTERNAL_SERVER_ERROR")]}, status=500
    )
