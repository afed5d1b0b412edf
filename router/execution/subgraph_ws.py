"""One subscription to one subgraph over graphql-transport-ws (the ``websockets`` library).

Each subgraph subscription (shared by identical client subscriptions, see
``shared_subscriptions``) gets its own subgraph WebSocket: closing it is how the
subgraph learns its clients went away, and one broken subgraph connection ends one
subscription only. Failures become GraphQL errors with Apollo Router's codes
(``WEBSOCKET_INIT_ERROR``, ``WEBSOCKET_ACK_ERROR``, ``WEBSOCKET_ACK_ERROR_TIMEOUT``,
``WEBSOCKET_CLOSE_ERROR``, ``WEBSOCKET_MESSAGE_ERROR``), so clients can tell a subgraph
that went away from one that refused the operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

log = logging.getLogger("router.execution.subscriptions")

PROTOCOL = "graphql-transport-ws"
OPERATION_ID = "1"
# Request headers that describe the HTTP exchange itself, never forwarded on an upgrade.
_NOT_FORWARDED = frozenset(
    {"host", "content-length", "content-type", "accept", "accept-encoding", "connection", "keep-alive", "upgrade",
     "transfer-encoding", "te", "trailer", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol",
     "sec-websocket-extensions", "origin"}
)


class SourceError(Exception):
    """The subgraph subscription failed or ended abnormally; ``errors`` are GraphQL errors."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0].get("message", "subscription failed") if errors else "subscription failed")
        self.errors = errors


def websocket_url(url: str) -> str:
    """The subgraph's GraphQL URL with its scheme turned into ws/wss."""
    if url.startswith("https://"):
        return "wss://" + url[len("https://"):]
    if url.startswith("http://"):
        return "ws://" + url[len("http://"):]
    return url


def _error(subgraph: str, message: str, code: str) -> SourceError:
    return SourceError([{"message": message, "extensions": {"code": code, "serviceName": subgraph}}])


def init_payload(headers: Mapping[str, str]) -> dict[str, str]:
    """The connection_init payload: the forwarded credentials, as browsers' clients send them."""
    payload: dict[str, str] = {}
    for name, value in headers.items():
        key = "Authorization" if name.lower() == "authorization" else name
        payload[key] = value
    return payload


async def subgraph_events(
    subgraph: str,
    url: str,
    operation: str,
    variables: Mapping[str, Any],
    *,
    headers: Mapping[str, str],
    timeout: float,
    max_message_bytes: int = 2**24,
) -> AsyncIterator[dict[str, Any]]:
    """Yield the payload of every ``next`` the subgraph sends; return on ``complete``.

    Raises :class:`SourceError` when the subgraph cannot be reached, refuses the
    connection or the operation (its ``error`` message), or the socket closes abnormally.
    Closing the generator (the client went away) completes the operation and closes the socket.
    """
    forwarded = {name: value for name, value in headers.items() if name.lower() not in _NOT_FORWARDED}
    try:
        connection = await connect(
            websocket_url(url),
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            additional_headers=forwarded,
            open_timeout=timeout,
            max_size=max_message_bytes,
            compression=None,
            user_agent_header=None,
        )
    except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as failure:
        raise _error(
            subgraph, f"Cannot open a WebSocket to subgraph '{subgraph}': {_describe(failure)}", "WEBSOCKET_INIT_ERROR"
        ) from None
    completed = False
    try:
        if connection.subprotocol != PROTOCOL:
            raise _error(subgraph, f"Subgraph '{subgraph}' does not speak {PROTOCOL}", "WEBSOCKET_INIT_ERROR")
        await _send(connection, {"type": "connection_init", "payload": init_payload(forwarded)})
        await _acknowledged(connection, subgraph, timeout)
        await _send(
            connection,
            {"id": OPERATION_ID, "type": "subscribe", "payload": {"query": operation, "variables": dict(variables)}},
        )
        while True:
            try:
                raw = await connection.recv()
            except ConnectionClosed as closed:
                completed = True
                received = closed.rcvd
                if received is not None and received.code == 1000:
                    return  # a normal close without `complete`: the stream simply ended
                code = received.code if received is not None else 1006
                reason = received.reason if received is not None else "connection lost"
                raise _error(
                    subgraph,
                    f"The subscription to subgraph '{subgraph}' ended: its WebSocket closed with code {code} ({reason})",
                    "WEBSOCKET_CLOSE_ERROR",
                ) from None
            message = _decode(raw)
            kind = message.get("type") if message is not None else None
            if kind == "next" and message.get("id") == OPERATION_ID and isinstance(message.get("payload"), dict):
                yield message["payload"]
            elif kind == "ping":
                await _send(connection, {"type": "pong"})
            elif kind == "complete" and message.get("id") == OPERATION_ID:
                completed = True
                return
            elif kind == "error" and message.get("id") == OPERATION_ID:
                completed = True
                raise SourceError(_subgraph_errors(subgraph, message.get("payload")))
            elif kind == "pong":
                continue
            else:
                raise _error(
                    subgraph, f"Subgraph '{subgraph}' sent an invalid subscription message", "WEBSOCKET_MESSAGE_ERROR"
                )
    finally:
        await _close(connection, completed)


async def _acknowledged(connection: ClientConnection, subgraph: str, timeout: float) -> None:
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = _decode(await connection.recv())
                kind = message.get("type") if message is not None else None
                if kind == "ping":
                    await _send(connection, {"type": "pong"})
                    continue
                if kind == "connection_ack":
                    return
                raise _error(
                    subgraph, f"Subgraph '{subgraph}' did not acknowledge the connection", "WEBSOCKET_ACK_ERROR"
                )
    except TimeoutError:
        raise _error(
            subgraph,
            f"Subgraph '{subgraph}' did not acknowledge the connection within {timeout:g}s",
            "WEBSOCKET_ACK_ERROR_TIMEOUT",
        ) from None
    except ConnectionClosed as closed:
        received = closed.rcvd
        detail = f"code {received.code} ({received.reason})" if received is not None else "connection lost"
        code = "UNAUTHENTICATED" if received is not None and received.code in (4401, 4403) else "WEBSOCKET_ACK_ERROR"
        raise _error(subgraph, f"Subgraph '{subgraph}' refused the connection: {detail}", code) from None


async def _close(connection: ClientConnection, completed: bool) -> None:
    """Tell the subgraph we are done (``complete``), then close; never raises, never hangs."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2):
            if not completed:
                await _send(connection, {"id": OPERATION_ID, "type": "complete"})
            await connection.close()


async def _send(connection: ClientConnection, message: Mapping[str, Any]) -> None:
    await connection.send(orjson.dumps(message).decode())


def _decode(raw: str | bytes) -> dict[str, Any] | None:
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return message if isinstance(message, dict) else None


def _subgraph_errors(subgraph: str, payload: Any) -> list[dict[str, Any]]:
    items = payload if isinstance(payload, list) else [payload]
    errors = []
    for item in items:
        if not isinstance(item, dict):
            item = {"message": str(item)}
        extensions = item.get("extensions") if isinstance(item.get("extensions"), dict) else {}
        errors.append(
            {"message": str(item.get("message", "Subscription error")), "extensions": {**extensions, "serviceName": subgraph}}
        )
    return errors or [{"message": "Subscription error", "extensions": {"serviceName": subgraph}}]


def _describe(failure: BaseException) -> str:
    if isinstance(failure, TimeoutError):
        return "timed out"
    text = str(failure).strip()
    return f"{failure.__class__.__name__}: {text}" if text else failure.__class__.__name__
