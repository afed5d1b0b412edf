"""GraphQL over HTTP for one endpoint: methods, media types, CSRF, body limits, status codes.

Everything here is transport: it turns an HTTP request into
:class:`~router.gateway.request.GraphQLRequest` values and a
:class:`~router.gateway.pipeline.GatewayResult` back into bytes and a status, per
the GraphQL-over-HTTP spec. What GraphQL means is the gateway's business.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import Receive, Scope, Send

from router.auth import ANONYMOUS, AuthenticationError, Authenticator, Principal
from router.config import RouterConfig
from router.gateway.errors import RequestError, error_dict
from router.gateway.pipeline import Gateway, GatewayResult, internal_error
from router.gateway.request import GraphQLRequest, request_from_json, request_from_params
from router.server.ide import IDE_HEADERS, IDE_HTML
from router.server.inflight import InflightRequests, header_key
from router.server.negotiation import JSON, Negotiated, negotiate

log = logging.getLogger("router.server")

ALLOWED_METHODS = "GET, POST"
# Content types a browser may POST cross-site without a CORS preflight.
SIMPLE_CONTENT_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})
BASE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _request_error(message: str, code: str, status: int, headers: dict[str, str] | None = None) -> RequestError:
    return RequestError.single(message, code, status=status, graphql_error=False, headers=headers)


class HttpRequest:
    """The parts of an ASGI HTTP request the endpoint reads, decoded once.

    A plain dict of lower-cased headers instead of a framework request object: the
    endpoint looks at a handful of headers per request and this path is hot.
    """

    __slots__ = ("method", "headers", "_query_string", "_receive")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.method: str = scope["method"]
        self.headers: dict[str, str] = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        self._query_string: bytes = scope.get("query_string", b"")
        self._receive = receive

    @property
    def query_string(self) -> bytes:
        return self._query_string

    @property
    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self._query_string.decode("latin-1"), keep_blank_values=True))

    async def stream(self) -> AsyncIterator[bytes]:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


@dataclass(frozen=True)
class HttpResponse:
    body: bytes
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)

    async def send(self, send: Send) -> None:
        raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in self.headers.items()]
        raw.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": raw})
        await send({"type": "http.response.body", "body": self.body})


def encode(result: GatewayResult | list[GatewayResult], media_type: str) -> HttpResponse:
    """Serialize with the status the negotiated media type calls for."""
    if isinstance(result, list):
        body: Any = [item.body for item in result]
        status, headers = 200, {}
    else:
        body, headers = result.body, result.headers
        # application/json: every well-formed GraphQL request gets 200, whatever its errors.
        status = 200 if (media_type == JSON and result.graphql_error) else result.status
    return HttpResponse(
        orjson.dumps(body),
        status,
        {"content-type": f"{media_type}; charset=utf-8", **BASE_HEADERS, **headers},
    )


@lru_cache(maxsize=512)
def _negotiate(accept: str | None) -> Negotiated:
    """Clients send the same few Accept headers over and over."""
    return negotiate(accept)


def _too_large(limit: int) -> RequestError:
    return _request_error(
        f"Request body exceeds the limit of {limit} bytes (ROUTER_MAX_BODY_BYTES).", "PAYLOAD_TOO_LARGE", 413
    )


def _decode_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise _request_error(f"The request body is not valid JSON: {error}.", "BAD_REQUEST", 400) from None


class GraphQLEndpoint:
    """The ASGI handler of the GraphQL URL (``/graphql`` by default)."""

    def __init__(self, config: RouterConfig) -> None:
        self.config = config
        self.gateway: Gateway | None = None
        self.authenticator: Authenticator | None = None
        self.inflight: InflightRequests[HttpResponse] | None = InflightRequests() if config.dedupe_requests else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.respond(HttpRequest(scope, receive))
        await response.send(send)

    async def respond(self, request: HttpRequest) -> HttpResponse:
        method = request.method
        if method not in ("GET", "POST"):
            return encode(
                GatewayResult.from_error(
                    _request_error(
                        f"Method {method} is not allowed; use GET or POST.",
                        "METHOD_NOT_ALLOWED",
                        405,
                        {"Allow": ALLOWED_METHODS},
                    )
                ),
                JSON,
            )
        negotiated = _negotiate(request.headers.get("accept"))
        if method == "GET" and negotiated.wants_html and self.config.ide:
            return HttpResponse(IDE_HTML, 200, {"content-type": "text/html; charset=utf-8", **IDE_HEADERS})
        if negotiated.media_type is None:
            return encode(
                GatewayResult.from_error(
                    _request_error(
                        "None of the media types in the Accept header can be produced; accept "
                        "application/graphql-response+json or application/json.",
                        "NOT_ACCEPTABLE",
                        406,
                    )
                ),
                JSON,
            )
        media_type = negotiated.media_type
        try:
            gateway, principal, body = await self._admit(request, method)
        except RequestError as error:
            return encode(GatewayResult.from_error(error), media_type)
        except Exception:
            log.exception("unexpected error while admitting a GraphQL request")
            return encode(internal_error(), media_type)
        inflight = self.inflight
        if inflight is None:
            response, _ = await self._execute(gateway, request, principal, body, media_type)
            return response
        key = (method, media_type, request.query_string if body is None else body, header_key(request.headers))
        return await inflight.run(key, lambda: self._execute(gateway, request, principal, body, media_type))

    async def _admit(self, request: HttpRequest, method: str) -> tuple[Gateway, Principal, bytes | None]:
        """The per-request checks (cheap, never shared): headers, credentials, the body's size.

        The gateway is taken once here: a hot reload swapping it mid-request changes nothing
        for this request."""
        gateway, authenticator = self.gateway, self.authenticator
        if gateway is None or authenticator is None:
            raise _request_error("The router is starting; retry shortly.", "SERVICE_UNAVAILABLE", 503)
        if method == "POST":
            self._check_post_headers(request)
        principal = self._authenticate(request, authenticator)
        body = await self._read_body(request) if method == "POST" else None
        return gateway, principal, body

    async def _execute(
        self, gateway: Gateway, request: HttpRequest, principal: Principal, body: bytes | None, media_type: str
    ) -> tuple[HttpResponse, bool]:
        """The response, and whether an identical concurrent request may receive the same one."""
        try:
            result = await self._run(gateway, request, principal, body)
        except RequestError as error:
            result = GatewayResult.from_error(error)
        except Exception:
            log.exception("unexpected error while handling a GraphQL request")
            result = internal_error()
        shareable = isinstance(result, GatewayResult) and result.shareable
        return encode(result, media_type), shareable

    async def _run(
        self, gateway: Gateway, request: HttpRequest, principal: Principal, body: bytes | None
    ) -> GatewayResult | list[GatewayResult]:
        """GET when there is no body (the query string holds the request), else POST."""
        if body is None:
            graphql_request = request_from_params(request.query_params)
            return await gateway.run(graphql_request, method="GET", principal=principal, headers=request.headers)
        payload = _decode_json(body)
        if isinstance(payload, list):
            return await self._run_batch(gateway, payload, principal, request)
        return await gateway.run(
            request_from_json(payload), method="POST", principal=principal, headers=request.headers
        )

    def _check_post_headers(self, request: HttpRequest) -> None:
        content_type = request.headers.get("content-type")
        media, _, params = (content_type or "").partition(";")
        media = media.strip().lower()
        if self.config.csrf_prevention and (not media or media in SIMPLE_CONTENT_TYPES):
            if not any(request.headers.get(name, "").strip() for name in self.config.csrf_headers):
                raise _request_error(
                    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "
                    "Send 'Content-Type: application/json', or a non-empty value for one of these headers: "
                    + ", ".join(self.config.csrf_headers)
                    + ".",
                    "CSRF_PREVENTION",
                    400,
                )
        if not media:
            raise _request_error(
                "Missing Content-Type header; send the request as 'application/json'.", "UNSUPPORTED_MEDIA_TYPE", 415
            )
        if media != "application/json":
            raise _request_error(
                f"Unsupported Content-Type '{media}'; send the request as 'application/json'.",
                "UNSUPPORTED_MEDIA_TYPE",
                415,
            )
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
                raise _request_error(
                    f"Unsupported charset '{value.strip()}'; send the request encoded as UTF-8.",
                    "UNSUPPORTED_MEDIA_TYPE",
                    415,
                )

    def _authenticate(self, request: HttpRequest, authenticator: Authenticator) -> Principal:
        try:
            principal = authenticator.authenticate(request.headers.get("authorization"))
        except AuthenticationError as error:
            log.debug("rejected token", extra={"reason": str(error)})
            raise _request_error(
                str(error), "UNAUTHENTICATED", 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None
        if principal is ANONYMOUS and self.config.auth.require_authentication:
            raise _request_error(
                "Authentication required: send 'Authorization: Bearer <token>'.",
                "UNAUTHENTICATED",
                401,
                {"WWW-Authenticate": "Bearer"},
            )
        return principal

    async def _read_json(self, request: HttpRequest) -> Any:
        return _decode_json(await self._read_body(request))

    async def _read_body(self, request: HttpRequest) -> bytes:
        limit = self.config.limits.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                declared_size = int(declared)
            except ValueError:
                raise _request_error("Invalid Content-Length header.", "BAD_REQUEST", 400) from None
            if declared_size > limit:
                raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
        body = b"".join(chunks)
        if not body.strip():
            raise _request_error("The POST body is empty; send a JSON object with a 'query'.", "BAD_REQUEST", 400)
        return body

    async def _run_batch(
        self, gateway: Gateway, payload: list[Any], principal: Principal, request: HttpRequest
    ) -> list[GatewayResult]:
        if not self.config.batching:
            raise _request_error(
                "Batched requests are disabled on this router (ROUTER_BATCHING).", "BATCHING_NOT_ENABLED", 400
            )
        if not payload or len(payload) > self.config.max_batch_size:
            raise _request_error(
                f"A batch must hold 1 to {self.config.max_batch_size} operations (ROUTER_MAX_BATCH_SIZE).",
                "BAD_REQUEST",
                400,
            )

        async def one(item: Any) -> GatewayResult:
            try:
                graphql_request: GraphQLRequest = request_from_json(item)
            except RequestError as error:
                return GatewayResult.from_error(error)
            return await gateway.run(graphql_request, method="POST", principal=principal, headers=request.headers)

        return list(await asyncio.gather(*(one(item) for item in payload)))


__all__ = ["GraphQLEndpoint", "HttpRequest", "HttpResponse", "encode", "error_dict"]
