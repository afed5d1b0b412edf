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
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, OperationType
from graphql.execution.values import get_variable_values

from router.auth import Authenticator, Principal
from router.config import RouterConfig
from router.gateway.authorization import Authorized, make_allows, unauthorized_errors
from router.gateway.defer import DeferredRun, DeferStore
from router.gateway.defer_results import strip_typename
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
        self.defers = DeferStore(engine.api_schema, config.document_cache_size)

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
        prepared = self.operation(request, method=method, allow_subscription=allow_subscription)
        return prepared, self.coerce_variables(prepared, request.variables)

    def operation(
        self, request: GraphQLRequest, *, method: str, allow_subscription: bool = False
    ) -> PreparedOperation:
        """``prepare`` without the variables: lets a caller look at the operation (is there a
        ``@defer``?) before paying for their coercion."""
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
        return prepared

    def coerce_variables(self, prepared: PreparedOperation, raw: Mapping[str, Any]) -> dict[str, Any]:
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
        authorized = self._authorize(prepared, variables, principal)
        plan = self._plan(authorized.plan_key, authorized.document, prepared.operation_name, variables)
        body = await self._run_plan(
            plan, variables, headers, authorized.shape_document, prepared.operation_name,
            # They lead the error list and explain the nulls of the removed fields.
            unauthorized_errors(authorized.removed) if authorized.removed else None,
        )
        # A response without `data` must not look like success (GraphQL over HTTP).
        return GatewayResult(body, 200 if "data" in body else 502, shareable=prepared.kind is OperationType.QUERY)

    def _authorize(self, prepared: PreparedOperation, variables: Mapping[str, Any], principal: Principal) -> Authorized:
        """The document to plan for this caller: unauthorized fields removed (Apollo Router's way)."""
        result = Authorized(prepared.document, None, prepared.text, ())
        authorization = prepared.authorization
        if authorization is not None and authorization.requirements:
            granted = self.authenticator.granted_policies(principal, authorization.policy_names)
            verdict = make_allows(principal.authenticated, principal.scopes, granted)
            filtered = authorization.filter(verdict)
            if filtered is not None:
                removed = filtered.reported(variables)
                # One plan per distinct verdict; the marker cannot occur in GraphQL text.
                plan_key = f"{prepared.text}\x00authz:{''.join('1' if v else '0' for v in authorization.verdict(verdict))}"
                result = Authorized(filtered.document, prepared.document, plan_key, removed)
                if removed:
                    log.info("authorization removed fields", extra={"paths": ["/".join(p) for p in removed]})
        return result

    def _plan(self, plan_key: str, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]) -> Any:
        try:
            return self.engine.plan(plan_key, document, operation_name, variables)
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

    async def _run_plan(
        self,
        plan: Any,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        shape_document: DocumentNode | None,
        operation_name: str | None,
        errors: list[dict[str, Any]] | None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.config.request_timeout if timeout is None else timeout):
                return await self.engine.execute(
                    plan,
                    variables,
                    headers=self._forwarded(headers),
                    shape_document=shape_document,
                    operation_name=operation_name,
                    errors=errors,
                )
        except TimeoutError:
            raise RequestError.single(
                f"The request did not complete within {self.config.request_timeout:g}s (ROUTER_REQUEST_TIMEOUT).",
                "GATEWAY_TIMEOUT",
                status=504,
                graphql_error=False,
            ) from None

    # ------------------------------------------------------------------ @defer
    def deferred(self, prepared: PreparedOperation, variables: Mapping[str, Any]) -> bool:
        """Whether the operation has a fragment to deliver later (``@defer`` whose ``if`` holds)."""
        return prepared.kind is not OperationType.SUBSCRIPTION and self.defers.active(prepared, variables)

    def incremental(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any],
        principal: Principal,
        headers: Mapping[str, str],
    ) -> AsyncIterator[dict[str, Any]]:
        """The payloads of a deferred operation (see ``router.gateway.defer``). Planning happens
        here, so its failures are a :class:`RequestError` before anything is sent."""
        authorized = self._authorize(prepared, variables, principal)
        run = self.defers.prepare(prepared, authorized, variables)
        name = prepared.operation_name
        full_plan = self._plan(run.documents.full_key, run.documents.full, name, variables)
        primary_plan = None
        if prepared.kind is OperationType.QUERY:
            primary_plan = self._plan(run.documents.primary_key, run.documents.primary, name, variables)
        removed = unauthorized_errors(authorized.removed) if authorized.removed else None
        return self._deliver(run, full_plan, primary_plan, variables, headers, name, removed)

    async def _deliver(
        self,
        run: DeferredRun,
        full_plan: Any,
        primary_plan: Any,
        variables: dict[str, Any],
        headers: Mapping[str, str],
        operation_name: str | None,
        removed: list[dict[str, Any]] | None,
    ) -> AsyncIterator[dict[str, Any]]:
        documents = run.documents
        deadline = asyncio.get_running_loop().time() + self.config.request_timeout

        def remaining() -> float:
            return max(0.0, deadline - asyncio.get_running_loop().time())

        # Queries run the primary and the full operation side by side, so the first payload
        # leaves as soon as its own fetches are done; a mutation runs once (the full one).
        full_task = asyncio.ensure_future(self._run_plan(
            full_plan, variables, headers, documents.shape_full, operation_name, None, remaining()
        ))
        try:
            try:
                if primary_plan is not None:
                    primary = await self._run_plan(
                        primary_plan, variables, headers, documents.shape_primary, operation_name, removed, remaining()
                    )
                    initial: dict[str, Any] = {"data": strip_typename(primary.get("data"))}
                    if primary.get("errors"):
                        initial["errors"] = primary["errors"]
                    yield {**initial, "hasNext": initial["data"] is not None}
                    if initial["data"] is None:
                        return
                    full = await full_task
                else:
                    full = await full_task
                    data = run.splitter.primary(full.get("data"), run.root_selection)
                    # Errors below deferred fragments travel with them; the rest lead.
                    payloads, unplaced = run.splitter.incremental(run.fragments, full, data, list(full.get("errors") or ()))
                    initial = {"data": data}
                    errors = [*(removed or ()), *unplaced]
                    if errors:
                        initial["errors"] = errors
                    yield {**initial, "hasNext": data is not None}
                    if data is not None:
                        for payload in payloads:
                            yield payload
                    return
            except RequestError as error:
                yield {"errors": error.errors, "hasNext": False}
                return
            payloads, _ = run.splitter.incremental(run.fragments, full, initial["data"], initial.get("errors") or [])
            for payload in payloads:
                yield payload
        finally:
            if not full_task.done():
                full_task.cancel()
            elif not full_task.cancelled():
                full_task.exception()  # retrieved: a failure after the client has its answer is not news

    def _forwarded(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {name: value for name in self.config.forward_headers if (value := headers.get(name)) is not None}


def internal_error() -> GatewayResult:
    return GatewayResult(
        {"errors": [error_dict("Internal server error.", "INTERNAL_SERVER_ERROR")]}, status=500
    )
