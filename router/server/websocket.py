"""GraphQL over WebSocket on the GraphQL path: the graphql-transport-ws protocol.

The protocol as written by graphql-ws (the reference): ``connection_init`` within the
init timeout (else close 4408), one init only (4429), nothing before the ack (4401),
unique operation ids (4409), malformed messages close with 4400, a refused
``connection_init`` with 4403, and ``ping``/``pong`` both ways. Every operation type
runs: a subscription streams ``next`` per event then ``complete``; a query or
mutation answers one ``next`` and ``complete``; errors that stop an operation before
(or instead of) execution are one ``error`` message, as the protocol asks.

Identity: the ``Authorization`` value of the ``connection_init`` payload (clients in
browsers cannot set headers on a WebSocket), else the upgrade request's header,
verified like an HTTP request's. Payload entries named like forwarded headers
(``ROUTER_FORWARD_HEADERS``) are forwarded to subgraphs like headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from router.auth import ANONYMOUS, AuthenticationError, Principal
from router.config import RouterConfig
from router.execution.subscriptions import SourceError
from router.gateway.errors import RequestError, error_dict
from router.gateway.request import GraphQLRequest, request_from_json
from router.gateway.subscriptions import is_subscription, subscribe
from router.server.subscription_limits import LIMIT_CODE, SubscriptionSlots

log = logging.getLogger("router.server.websocket")

PROTOCOL = "graphql-transport-ws"
MAX_REASON = 120  # close reasons are limited to 123 bytes


class _Closed(Exception):
    """The connection was closed by us (with a protocol close code) or by the client."""


class GraphQLWebSocketEndpoint:
    """The ASGI app for WebSocket requests to the GraphQL path."""

    def __init__(self, config: RouterConfig, http: Any, slots: SubscriptionSlots) -> None:
        self.config = config
        self.settings = config.subscriptions
        self.http = http  # GraphQLEndpoint: its ``gateway`` and ``authenticator`` follow reloads
        self.slots = slots
        self.connections = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        if not self._origin_allowed(websocket):
            await websocket.close(code=1008)  # before accept: the handshake is refused (403)
            return
        if PROTOCOL not in scope.get("subprotocols", ()):
            await websocket.accept()
            await websocket.close(code=4406, reason=f"Subprotocol not acceptable: use {PROTOCOL}")
            return
        await websocket.accept(subprotocol=PROTOCOL)
        limit = self.settings.max_ws_connections
        if limit is not None and self.connections >= limit:
            await websocket.close(code=1013, reason="Too many connections (ROUTER_WS_MAX_CONNECTIONS)")
            return
        self.connections += 1
        try:
            await _Connection(self, websocket).run()
        finally:
            self.connections -= 1

    def _origin_allowed(self, websocket: WebSocket) -> bool:
        """Browsers send Origin and may open cross-site WebSockets: only the router's own
        origin and the CORS origins are allowed. Other clients send no Origin."""
        origin = websocket.headers.get("origin")
        if origin is None:
            return True
        allowed = self.config.cors_origins
        if "*" in allowed or origin in allowed:
            return True
        return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


class _Connection:
    def __init__(self, endpoint: GraphQLWebSocketEndpoint, websocket: WebSocket) -> None:
        self.endpoint = endpoint
        self.settings = endpoint.settings
        self.websocket = websocket
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.init_received = False
        self.acknowledged = False
        self.principal: Principal = ANONYMOUS
        self.headers: dict[str, str] = {}
        self.closed = False
        self.last_heard = time.monotonic()
        self._send_lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> None:
        timers = [asyncio.ensure_future(self._init_timeout())]
        if self.settings.ws_ping_interval is not None:
            timers.append(asyncio.ensure_future(self._keepalive(self.settings.ws_ping_interval)))
        try:
            while not self.closed:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    self.closed = True
                    break
                self.last_heard = time.monotonic()
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", "replace")
                if text is None:
                    continue
                if len(text) > self.endpoint.config.limits.max_body_bytes:
                    await self.close(1009, "Message too big (ROUTER_MAX_BODY_BYTES)")
                    break
                await self.handle(text)
        except (_Closed, WebSocketDisconnect):
            self.closed = True
        finally:
            for timer in timers:
                timer.cancel()
            tasks = list(self.operations.values())
            self.operations.clear()
            for task in tasks:  # the client is gone: every subgraph subscription closes with it
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _init_timeout(self) -> None:
        await asyncio.sleep(self.settings.ws_init_timeout)
        if not self.init_received:
            await self.close(4408, "Connection initialisation timeout")

    async def _keepalive(self, interval: float) -> None:
        """Ping every ``interval``; a client that answered nothing since the last ping is gone."""
        pinged: float | None = None
        with contextlib.suppress(_Closed):
            while not self.closed:
                await asyncio.sleep(interval)
                if pinged is not None and self.last_heard < pinged:
                    await self.close(1001, "Keep-alive timeout: no pong received")
                    return
                pinged = time.monotonic()
                await self.send({"type": "ping"})

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            async with self._send_lock:
                await self.websocket.close(code=code, reason=reason[:MAX_REASON])

    async def send(self, message: Mapping[str, Any]) -> None:
        if self.closed:
            raise _Closed()
        try:
            async with self._send_lock:
                await self.websocket.send_text(orjson.dumps(message).decode())
        except Exception:  # noqa: BLE001 - the socket is gone; the receive loop notices too
            self.closed = True
            raise _Closed() from None

    # -- messages ----------------------------------------------------------------------------

    async def handle(self, text: str) -> None:
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            await self.close(4400, "Invalid message received: not JSON")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "connection_init":
            await self.on_init(message.get("payload"))
        elif kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "pong":
            return
        elif kind == "subscribe":
            await self.on_subscribe(message)
        elif kind == "complete":
            operation_id = message.get("id")
            if not isinstance(operation_id, str):
                await self.close(4400, "Invalid message received: complete needs an id")
                return
            task = self.operations.pop(operation_id, None)
            if task is not None:
                task.cancel()
        else:
            await self.close(4400, f"Invalid message received: unexpected type {kind!r}"[:MAX_REASON])

    async def on_init(self, payload: Any) -> None:
        if self.init_received:
            await self.close(4429, "Too many initialisation requests")
            return
        self.init_received = True
        if payload is not None and not isinstance(payload, dict):
            await self.close(4400, "Invalid message received: connection_init payload must be an object")
            return
        headers = self._connection_headers(payload or {})
        authenticator = self.endpoint.http.authenticator
        if authenticator is None:
            await self.close(1013, "The router is starting; retry shortly")
            return
        try:
            principal = authenticator.authenticate(headers.get("authorization"))
        except AuthenticationError as error:
            log.debug("rejected WebSocket token", extra={"reason": str(error)})
            await self.close(4403, f"Forbidden: {error}")
            return
        if principal is ANONYMOUS and self.endpoint.config.auth.require_authentication:
            await self.close(4403, "Forbidden: authentication required")
            return
        self.principal, self.headers = principal, headers
        self.acknowledged = True
        await self.send({"type": "connection_ack"})

    def _connection_headers(self, payload: Mapping[str, Any]) -> dict[str, str]:
        """Upgrade request headers, overridden by same-named string entries of the payload."""
        headers = {name.lower(): value for name, value in self.websocket.headers.items()}
        for source in (payload, payload.get("headers")):
            if isinstance(source, Mapping):
                for name, value in source.items():
                    if isinstance(name, str) and isinstance(value, str):
                        headers[name.lower()] = value
        return headers

    async def on_subscribe(self, message: dict[str, Any]) -> None:
        if not self.acknowledged:
            await self.close(4401, "Unauthorized")
            return
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not operation_id:
            await self.close(4400, "Invalid message received: subscribe needs an id")
            return
        try:
            request = request_from_json(message.get("payload"))
        except RequestError as error:
            await self.close(4400, f"Invalid message received: {error.errors[0]['message']}")
            return
        if request.query is None and not request.extensions.get("persistedQuery"):
            await self.close(4400, "Invalid message received: subscribe payload needs a query")
            return
        if operation_id in self.operations:
            await self.close(4409, f"Subscriber for {operation_id} already exists"[:MAX_REASON])
            return
        limit = self.settings.max_subscriptions_per_connection
        if limit is not None and len(self.operations) >= limit:
            await self.send(
                {
                    "id": operation_id,
                    "type": "error",
                    "payload": [
                        error_dict(
                            f"This connection has {limit} operations open, its limit "
                            "(ROUTER_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION); complete one first.",
                            LIMIT_CODE,
                        )
                    ],
                }
            )
            return
        self.operations[operation_id] = asyncio.ensure_future(self.operation(operation_id, request))

    async def operation(self, operation_id: str, request: GraphQLRequest) -> None:
        try:
            gateway = self.endpoint.http.gateway
            if gateway is None:
                await self._error(operation_id, [error_dict("The router is starting; retry shortly.", "SERVICE_UNAVAILABLE")])
            elif is_subscription(gateway, request):
                await self._subscription(gateway, operation_id, request)
            else:
                result = await gateway.run(request, method="POST", principal=self.principal, headers=self.headers)
                if "data" in result.body:
                    await self.send({"id": operation_id, "type": "next", "payload": result.body})
                    await self.send({"id": operation_id, "type": "complete"})
                else:
                    await self._error(operation_id, result.body.get("errors") or [])
        except (asyncio.CancelledError, _Closed):
            pass  # completed by the client, or the connection is gone
        except Exception:
            log.exception("WebSocket operation failed")
            with contextlib.suppress(_Closed):
                await self._error(operation_id, [error_dict("Internal server error.", "INTERNAL_SERVER_ERROR")])
        finally:
            if self.operations.get(operation_id) is asyncio.current_task():
                del self.operations[operation_id]

    async def _subscription(self, gateway: Any, operation_id: str, request: GraphQLRequest) -> None:
        slots = self.endpoint.slots
        if not slots.acquire():
            await self._error(operation_id, [slots.full_error()])
            return
        try:
            try:
                accepted = subscribe(gateway, request, principal=self.principal, headers=self.headers)
            except RequestError as error:
                await self._error(operation_id, error.errors)
                return
            events = accepted.events
            try:
                async for response in events:
                    await self.send({"id": operation_id, "type": "next", "payload": response})
            except SourceError as failure:
                await self._error(operation_id, failure.errors)
                return
            finally:
                await events.aclose()  # type: ignore[attr-defined]
            await self.send({"id": operation_id, "type": "complete"})
        finally:
            slots.release()

    async def _error(self, operation_id: str, errors: list[dict[str, Any]]) -> None:
        await self.send({"id": operation_id, "type": "error", "payload": errors})
