"""A small graphql-transport-ws client for tests (the ``websockets`` library, real sockets)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"


class GraphQLWebSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.connection.send(orjson.dumps(message).decode())

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next message that is not a ping (pings are answered)."""
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), timeout)
            message: dict[str, Any] = orjson.loads(raw)
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def init(self, payload: Mapping[str, Any] | None = None, timeout: float = 10.0) -> dict[str, Any]:
        await self.send({"type": "connection_init", **({"payload": dict(payload)} if payload is not None else {})})
        return await self.receive(timeout)

    async def subscribe(
        self, operation_id: str, query: str, variables: Mapping[str, Any] | None = None, operation_name: str | None = None
    ) -> None:
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = dict(variables)
        if operation_name:
            payload["operationName"] = operation_name
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})

    async def complete(self, operation_id: str) -> None:
        await self.send({"id": operation_id, "type": "complete"})

    async def closed(self, timeout: float = 10.0) -> tuple[int | None, str]:
        """Wait for the server to close; (code, reason). Messages received meanwhile are skipped."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.wait_for(self.connection.recv(), timeout)
        close = self.connection.protocol.close_rcvd
        return (close.code, close.reason) if close is not None else (None, "")


@contextlib.asynccontextmanager
async def graphql_ws(
    url: str, *, headers: Mapping[str, str] | None = None, subprotocols: tuple[str, ...] = (PROTOCOL,)
) -> AsyncIterator[GraphQLWebSocket]:
    """Open a WebSocket to ``url`` (http(s) URLs are turned into ws(s))."""
    ws_url = "ws" + url[len("http"):] if url.startswith("http") else url
    async with connect(
        ws_url,
        subprotocols=list(subprotocols),  # type: ignore[arg-type]
        additional_headers=dict(headers or {}),
        open_timeout=10,
        max_size=2**24,
    ) as connection:
        yield GraphQLWebSocket(connection)
