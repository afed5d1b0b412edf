"""The HTTP face of a subgraph: FastAPI + Strawberry's GraphQLRouter + /health.

Every error a client can receive is in the GraphQL format: a bad token is a 401 with
``{"errors": [...]}``, malformed requests keep Strawberry's 400 status but get the
GraphQL shape, and unexpected exceptions are logged and masked.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import Response
from graphql import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.exceptions import HTTPException as StarletteHTTPException
from strawberry.extensions import SchemaExtension

from subgraphs.common.auth import AuthError, bearer_token, verify_access_token
from subgraphs.common.context import RequestContext
from subgraphs.common.runtime import ServiceDefinition, ServiceRuntime
from subgraphs.common.settings import Settings
from subgraphs.common.websocket import AuthenticatingGraphQLRouter, websocket_principal

log = logging.getLogger(__name__)


def _is_expected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class ErrorMasking(SchemaExtension):
    """Unexpected exceptions become "Internal server error"; the traceback goes to the log."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        masked = []
        for error in errors:
            if _is_expected(error):
                masked.append(error)
                continue
            original = error.original_error
            log.error(
                "resolver failed",
                exc_info=(type(original), original, original.__traceback__) if original else None,
                extra={"path": error.path},
            )
            masked.append(
                GraphQLError(
                    "Internal server error",
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": "INTERNAL_SERVER_ERROR"},
                )
            )
        result.errors = masked  # type: ignore[union-attr]


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _graphql_error(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status, headers=headers)


class GraphQLFormatErrors:
    """Strawberry answers malformed requests with text/plain; clients expect GraphQL JSON errors."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/graphql"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None

        async def wrapped_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if message["status"] >= 400 and headers.get(b"content-type", b"").startswith(b"text/plain"):
                    start = message  # hold it until we have the body to rewrite
                    return
                await send(message)
                return
            if start is not None and message["type"] == "http.response.body":
                text = message.get("body", b"").decode(errors="replace") or "Bad request"
                body = orjson.dumps({"errors": [{"message": text, "extensions": {"code": "BAD_REQUEST"}}]})
                headers = [(k, v) for k, v in start.get("headers", []) if k not in (b"content-type", b"content-length")]
                headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                start = None
                return
            await send(message)

        await self.app(scope, receive, wrapped_send)


def create_app(definition: ServiceDefinition, settings: Settings) -> FastAPI:
    runtime = ServiceRuntime(definition, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    async def get_context(request: Request = None, websocket: WebSocket = None) -> RequestContext:  # type: ignore[assignment]
        if request is None:
            # A WebSocket: the caller is known at connection_init (AuthenticatingGraphQLRouter).
            return RequestContext(runtime=runtime, principal=None)
        token = bearer_token(request.headers.get("authorization"))
        principal = verify_access_token(settings, token) if token else None
        return RequestContext(runtime=runtime, principal=principal)

    app = FastAPI(
        title=f"{definition.name} subgraph",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = runtime
    app.add_middleware(GraphQLFormatErrors)
    app.include_router(
        AuthenticatingGraphQLRouter(
            definition.schema,
            context_getter=get_context,
            graphql_ide=None,
            authenticate=lambda params, headers: websocket_principal(settings, params, headers),
        ),
        prefix="/graphql",
    )

    @app.exception_handler(AuthError)
    async def _auth_error(_request: Request, exc: AuthError) -> JsonResponse:
        return _graphql_error(401, f"Unauthenticated: {exc}", "UNAUTHENTICATED", {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        code = "BAD_REQUEST" if exc.status_code < 500 else "INTERNAL_SERVER_ERROR"
        return _graphql_error(exc.status_code, str(exc.detail), code, dict(exc.headers or {}))

    @app.get("/health")
    async def health() -> JsonResponse:
        healthy, report = await runtime.health()
        return JsonResponse(report, status_code=200 if healthy else 503)

    return app
