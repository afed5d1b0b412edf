"""Subscriptions over HTTP: GraphQL over SSE and Apollo's multipart subscription protocol.

Sits in front of the GraphQL-over-HTTP endpoint and only looks at requests whose
``Accept`` asks for a stream; everything else goes straight through.

- ``Accept: text/event-stream``: graphql-sse's "distinct connections mode". Every
  operation type is answered as a stream: ``event: next`` per result, then
  ``event: complete``. Errors found before execution (parse, validation, a root field
  the caller may not subscribe to) are a ``next`` event too, as that spec asks, since
  ``EventSource`` cannot read an error response's body. Keep-alive: ``:`` comment lines.
- ``Accept: multipart/mixed;subscriptionSpec="1.0"``: Apollo's protocol for
  subscriptions (boundary ``graphql``, parts ``{"payload": <response>}``, heartbeat
  parts ``{}``, a fatal error as ``{"payload": null, "errors": [...]}``). Errors before
  the stream starts are an ordinary JSON response; queries and mutations are answered
  as ordinary JSON, as Apollo Router does without ``@defer``.
- ``Accept: multipart/mixed;deferSpec=20220824``: incremental delivery of a query or
  mutation that uses ``@defer`` (Apollo Router's format: boundary ``-``, one JSON part
  per payload, the first ``{"data", "hasNext"}``, then ``{"incremental", "hasNext"}``).
  Operations without an active ``@defer``, and every request error, are answered by the
  plain endpoint (JSON, de-duplicated as usual); a deferred answer is never shared.

Closing the HTTP connection ends the subscription and its subgraph WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send

from router.auth import Principal
from router.config import RouterConfig
from router.execution.subscriptions import SourceError
from router.gateway.errors import RequestError
from router.gateway.pipeline import Gateway, GatewayResult, internal_error
from router.gateway.request import GraphQLRequest, request_from_json, request_from_params
from router.gateway.subscriptions import is_subscription, subscribe
from router.server.http import BASE_HEADERS, HttpRequest, encode
from router.server.negotiation import JSON
from router.server.subscription_limits import SubscriptionSlots

log = logging.getLogger("router.server.streaming")

SSE = "sse"
MULTIPART = "multipart"  # Apollo's multipart subscriptions
DEFER = "defer"  # incremental delivery (@defer)
MULTIPART_OR_DEFER = "multipart+defer"  # an Accept that names both specs
MULTIPART_CONTENT_TYPE = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"'
DEFER_CONTENT_TYPE = 'multipart/mixed;boundary="-";deferSpec=20220824'
_PART_HEAD = b"\r\ncontent-type: application/json\r\n\r\n"
_DEFER_PART_HEAD = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"


def streaming_mode(scope: Scope) -> str | None:
    """``sse``, ``multipart``, ``defer``, both multipart specs, or None (not a streaming request)."""
    for name, value in scope["headers"]:
        if name == b"accept":
            accept = value.lower()
            if b"text/event-stream" in accept:
                return SSE
            if b"multipart/mixed" not in accept:
                return None
            subscriptions = b"subscriptionspec" in accept
            defer = _accepts_defer(accept)
            if subscriptions and defer:
                return MULTIPART_OR_DEFER
            return MULTIPART if subscriptions else DEFER if defer else None
    return None


def _accepts_defer(accept: bytes) -> bool:
    """A ``multipart/mixed`` range with ``deferSpec=20220824`` (the one incremental format we speak)."""
    for item in accept.split(b","):
        parts = [part.strip() for part in item.split(b";")]
        if parts[0] != b"multipart/mixed":
            continue
        for param in parts[1:]:
            name, _, spec = param.partition(b"=")
            if name.strip() == b"deferspec" and spec.strip().strip(b'"') == b"20220824":
                return True
    return False


class StreamingFront:
    """ASGI app for the GraphQL path: streams when asked to, else the plain endpoint answers."""

    def __init__(self, config: RouterConfig, http: Any, slots: SubscriptionSlots) -> None:
        self.config = config
        self.http = http  # GraphQLEndpoint
        self.slots = slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mode = streaming_mode(scope) if scope["type"] == "http" and scope["method"] in ("GET", "POST") else None
        if mode is None:
            await self.http(scope, receive, send)
            return
        request = HttpRequest(scope, receive)
        try:
            payload, principal, body = await self._read(request)
            if isinstance(payload, list) and mode == MULTIPART:
                await self.http(scope, _replay(body, receive), send)  # a batch of queries: plain JSON
                return
            graphql_request = self._request(payload)
        except RequestError as error:
            await encode(GatewayResult.from_error(error), JSON).send(send)
            return
        gateway = self.http.gateway
        if gateway is None:
            await encode(GatewayResult.from_error(RequestError.single(
                "The router is starting; retry shortly.", "SERVICE_UNAVAILABLE", status=503, graphql_error=False
            )), JSON).send(send)
            return
        subscription = is_subscription(gateway, graphql_request)
        if not subscription and mode in (DEFER, MULTIPART_OR_DEFER):
            if await self._deferred(gateway, graphql_request, scope["method"], principal, request.headers, send, receive):
                return
        if mode != SSE and (not subscription or mode == DEFER):
            # Multipart queries and mutations with nothing deferred, and subscriptions over a
            # defer-only Accept (refused there), are the plain endpoint's: JSON.
            await self.http(scope, _replay(body, receive), send)
            return
        if mode == MULTIPART_OR_DEFER:
            mode = MULTIPART
        headers = request.headers
        if not subscription:
            events: AsyncIterator[dict[str, Any]] = _single(gateway, graphql_request, scope["method"], principal, headers)
            await _stream(mode, events, send, receive, self.config.subscriptions.http_heartbeat)
            return
        if not self.slots.acquire():
            await self._refuse(mode, RequestError([self.slots.full_error()], status=503, graphql_error=False), send, receive)
            return
        try:
            try:
                accepted = subscribe(gateway, graphql_request, principal=principal, headers=headers)
            except RequestError as error:
                await self._refuse(mode, error, send, receive)
                return
            await _stream(mode, accepted.events, send, receive, self.config.subscriptions.http_heartbeat)
        finally:
            self.slots.release()

    async def _deferred(
        self,
        gateway: Gateway,
        request: GraphQLRequest,
        method: str,
        principal: Principal,
        headers: dict[str, str],
        send: Send,
        receive: Receive,
    ) -> bool:
        """Stream a query or mutation with an active ``@defer``; False when there is none (or the
        request fails before execution: the plain endpoint then answers with the right status)."""
        try:
            prepared = gateway.operation(request, method=method)
            if prepared.defer is None:
                return False  # most operations: a cached lookup, no variable coercion
            variables = gateway.coerce_variables(prepared, request.variables)
            if not gateway.deferred(prepared, variables):
                return False
            payloads = gateway.incremental(prepared, variables, principal, headers)
        except RequestError:
            return False
        await _stream(DEFER, payloads, send, receive, None)
        return True

    async def _read(self, request: HttpRequest) -> tuple[Any, Principal, bytes]:
        """The request (a GET's GraphQLRequest or a POST's decoded JSON), its caller and the
        raw body (to hand on unchanged), or a RequestError; checked like any HTTP request."""
        authenticator = self.http.authenticator
        if authenticator is None:
            raise RequestError.single("The router is starting; retry shortly.", "SERVICE_UNAVAILABLE", status=503, graphql_error=False)
        if request.method == "GET":
            principal = self.http._authenticate(request, authenticator)
            return request_from_params(request.query_params), principal, b""
        self.http._check_post_headers(request)
        principal = self.http._authenticate(request, authenticator)
        payload = await self.http._read_json(request)
        return payload, principal, orjson.dumps(payload)

    @staticmethod
    def _request(payload: Any) -> GraphQLRequest:
        if isinstance(payload, GraphQLRequest):
            return payload
        if isinstance(payload, list):
            raise RequestError.single(
                "Batched requests cannot be streamed; send one operation per request.", "BAD_REQUEST",
                status=400, graphql_error=False,
            )
        return request_from_json(payload)

    async def _refuse(self, mode: str, error: RequestError, send: Send, receive: Receive) -> None:
        if mode == SSE:  # graphql-sse: errors before execution travel in the stream
            await _stream(mode, _one({"errors": error.errors}), send, receive, None)
        else:
            await encode(GatewayResult.from_error(error), JSON).send(send)


async def _one(response: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    yield response


async def _single(
    gateway: Gateway, request: GraphQLRequest, method: str, principal: Principal, headers: dict[str, str]
) -> AsyncIterator[dict[str, Any]]:
    """A query or mutation over SSE: its one response."""
    try:
        result = await gateway.run(request, method=method, principal=principal, headers=headers)
    except Exception:
        log.exception("unexpected error while handling a streamed GraphQL request")
        result = internal_error()
    yield result.body


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body on once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _SseFrames:
    content_type = b"text/event-stream; charset=utf-8"

    def event(self, response: dict[str, Any]) -> bytes:
        return b"event: next\ndata: " + orjson.dumps(response) + b"\n\n"

    def heartbeat(self) -> bytes:
        return b":\n\n"

    def complete(self) -> bytes:
        return b"event: complete\n\n"

    def failure(self, errors: list[dict[str, Any]]) -> bytes:
        return self.event({"errors": errors}) + self.complete()


class _MultipartFrames:
    """Each chunk ends with the boundary, so a client can use a part as soon as it arrives."""

    content_type = MULTIPART_CONTENT_TYPE.encode()
    _boundary = b"\r\n--graphql"
    _head = _PART_HEAD

    def __init__(self) -> None:
        self._first = True

    def _part(self, body: bytes) -> bytes:
        head = self._boundary + self._head if self._first else self._head
        self._first = False
        return head + body + self._boundary

    def event(self, response: dict[str, Any]) -> bytes:
        return self._part(orjson.dumps({"payload": response}))

    def heartbeat(self) -> bytes:
        return self._part(b"{}")

    def complete(self) -> bytes:
        return self._part(b"{}") + b"--\r\n" if self._first else b"--\r\n"

    def failure(self, errors: list[dict[str, Any]]) -> bytes:
        return self._part(orjson.dumps({"payload": None, "errors": errors})) + b"--\r\n"


class _DeferFrames(_MultipartFrames):
    """Incremental delivery: the payloads themselves as parts, boundary ``-``."""

    content_type = DEFER_CONTENT_TYPE.encode()
    _boundary = b"\r\n---"
    _head = _DEFER_PART_HEAD

    def event(self, response: dict[str, Any]) -> bytes:
        return self._part(orjson.dumps(response))

    def failure(self, errors: list[dict[str, Any]]) -> bytes:
        return self._part(orjson.dumps({"errors": errors, "hasNext": False})) + b"--\r\n"


async def _stream(
    mode: str, events: AsyncIterator[dict[str, Any]], send: Send, receive: Receive, heartbeat: float | None
) -> None:
    """Send ``events`` as SSE events or multipart parts, with heartbeats, until done or the client leaves."""
    frames: _SseFrames | _MultipartFrames = (
        _SseFrames() if mode == SSE else _DeferFrames() if mode == DEFER else _MultipartFrames()
    )
    headers = [(b"content-type", frames.content_type), (b"cache-control", b"no-cache, no-store"),
               (b"x-accel-buffering", b"no")]
    headers += [(name.lower().encode(), value.encode()) for name, value in BASE_HEADERS.items() if name.lower() != "cache-control"]
    await send({"type": "http.response.start", "status": 200, "headers": headers})

    # Responses wait here as objects and are framed by the sender, which alone touches ``frames``.
    outbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(maxsize=16)

    async def produce() -> None:
        try:
            async for response in events:
                await outbox.put(("next", response))
            await outbox.put(("complete", None))
        except SourceError as failure:
            await outbox.put(("failure", failure.errors))
        except Exception:
            log.exception("subscription stream failed")
            await outbox.put(("failure", internal_error().body["errors"]))
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    producer = asyncio.ensure_future(produce())
    disconnected = asyncio.ensure_future(_wait_disconnect(receive))
    getting: asyncio.Future[tuple[str, Any]] | None = None
    try:
        while True:
            if getting is None:
                getting = asyncio.ensure_future(outbox.get())
            done, _ = await asyncio.wait({getting, disconnected}, timeout=heartbeat, return_when=asyncio.FIRST_COMPLETED)
            if disconnected in done:
                return
            if getting not in done:
                await send({"type": "http.response.body", "body": frames.heartbeat(), "more_body": True})
                continue
            kind, value = getting.result()
            getting = None
            if kind == "next":
                await send({"type": "http.response.body", "body": frames.event(value), "more_body": True})
                continue
            last = frames.complete() if kind == "complete" else frames.failure(value)
            await send({"type": "http.response.body", "body": last, "more_body": False})
            return
    finally:
        for task in (producer, disconnected, getting):
            if task is not None and not task.done():
                task.cancel()
        with contextlib.suppress(BaseException):
            await producer


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


__all__ = ["StreamingFront", "streaming_mode"]
