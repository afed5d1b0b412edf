"""A lean pooled HTTP/1.1 client for subgraph calls (asyncio + httptools).

Why not httpx on the hot path: measured on this project's 2-core box, 20 concurrent
subgraph POSTs cost ~1.7 ms of router CPU each through ``httpx.AsyncClient`` (httpcore
scans its pool and polls every idle socket per request) and ~30 us here. Subgraph calls
are the router's main work, so this decides its throughput. httpx stays available
(``ExecutorConfig(http_client="httpx")`` or an injected client) for anything this does
not cover, e.g. proxies.

Scope: POST with a body, keep-alive per origin, ``http`` and ``https``, response bodies
with Content-Length or chunked encoding (httptools decodes), per-request timeouts. A
request on a reused connection the server closed in the meantime is retried once on a
fresh connection when the caller says it is safe (queries, not mutations).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit

import httptools


class HTTPFailure(Exception):
    """The request did not produce an HTTP response (refused, reset, timed out, malformed)."""

    def __init__(self, message: str, timeout: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timeout = timeout


class _StaleConnection(Exception):
    """A kept-alive connection died before any response byte: the request never ran."""


class _Connection(asyncio.Protocol):
    __slots__ = ("transport", "parser", "waiter", "chunks", "status", "reason", "closed", "received", "keep_alive")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.chunks: list[bytes] = []
        self.status = 0
        self.closed = False
        self.received = False
        self.keep_alive = True

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(HTTPFailure(f"malformed HTTP response: {error}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self._fail(_StaleConnection() if not self.received else HTTPFailure("connection closed mid-response"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        body = b"".join(self.chunks)
        self.chunks = []
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.status, body))

    def _fail(self, error: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def send(self, payload: bytes, loop: asyncio.AbstractEventLoop) -> asyncio.Future[tuple[int, bytes]]:
        self.waiter = loop.create_future()
        self.received = False
        self.chunks = []
        self.parser = httptools.HttpResponseParser(self)
        assert self.transport is not None
        self.transport.write(payload)
        return self.waiter


_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def encode_headers(headers: Mapping[str, str]) -> bytes:
    """Header lines for forwarded headers; anything that could split the request is dropped."""
    lines = []
    for name, value in headers.items():
        raw_name = name.encode("latin-1", "ignore")
        raw_value = value.encode("latin-1", "ignore")
        if not raw_name or any(c not in _TOKEN for c in raw_name) or b"\r" in raw_value or b"\n" in raw_value:
            continue
        lines.append(raw_name + b": " + raw_value + b"\r\n")
    return b"".join(lines)


class OriginPool:
    """Kept-alive connections to one origin (scheme, host, port)."""

    def __init__(self, url: str, max_connections: int = 512, max_idle: int = 128) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"unsupported subgraph URL {url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if parts.scheme == "https" else None
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        default_port = 443 if parts.scheme == "https" else 80
        host_header = self.host if self.port == default_port else f"{self.host}:{self.port}"
        if ":" in self.host and not self.host.startswith("["):
            host_header = f"[{self.host}]" if self.port == default_port else f"[{self.host}]:{self.port}"
        self.head = f"POST {path} HTTP/1.1\r\nHost: {host_header}\r\n".encode("latin-1")
        self.idle: list[_Connection] = []
        self.max_idle = max_idle
        self.slots = asyncio.Semaphore(max_connections)

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        _, connection = await loop.create_connection(
            _Connection, self.host, self.port, ssl=self.ssl, server_hostname=self.host if self.ssl else None
        )
        return connection

    async def post(self, headers: bytes, body: bytes, timeout: float, retry_stale: bool) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        payload = self.head + headers + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        try:
            async with asyncio.timeout(timeout):  # waiting for a free connection counts too
                async with self.slots:
                    return await self._exchange(loop, payload, retry_stale)
        except TimeoutError:
            raise HTTPFailure(f"timed out after {timeout:g}s", timeout=True) from None

    async def _exchange(self, loop: asyncio.AbstractEventLoop, payload: bytes, retry_stale: bool) -> tuple[int, bytes]:
        while True:
            connection = None
            while self.idle:
                candidate = self.idle.pop()
                if not candidate.closed:
                    connection = candidate
                    break
            reused = connection is not None
            if connection is None:
                try:
                    connection = await self._connect(loop)
                except OSError as error:
                    raise HTTPFailure(f"connection failed: {error.strerror or error.__class__.__name__}") from None
            try:
                status, body = await connection.send(payload, loop)
            except _StaleConnection:
                connection.close()
                if reused and retry_stale:
                    continue
                raise HTTPFailure("connection closed before a response") from None
            except BaseException:
                connection.close()  # state unknown (timeout, cancellation, bad response)
                raise
            if connection.keep_alive and not connection.closed and len(self.idle) < self.max_idle:
                self.idle.append(connection)
            else:
                connection.close()
            return status, body

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


class HTTPClient:
    """One pool per subgraph URL."""

    def __init__(self, max_connections: int = 512, max_idle: int = 128) -> None:
        self.max_connections = max_connections
        self.max_idle = max_idle
        self._pools: dict[str, OriginPool] = {}

    def pool(self, url: str) -> OriginPool:
        found = self._pools.get(url)
        if found is None:
            found = self._pools[url] = OriginPool(url, self.max_connections, self.max_idle)
        return found

    async def post(
        self, url: str, headers: bytes, body: bytes, timeout: float, retry_stale: bool = True
    ) -> tuple[int, bytes]:
        return await self.pool(url).post(headers, body, timeout, retry_stale)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
