"""The pooled HTTP/1.1 subgraph client against a raw asyncio server we fully control."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from router.execution.http import HTTPClient, HTTPFailure, encode_headers
from tests.support.ports import free_port


@dataclass
class RawServer:
    """Reads one request per loop, answers with ``respond(request_bytes)``."""

    respond: Callable[[bytes], bytes]
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    close_after_response: bool = False
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                answer = self.respond(head + body)
                if answer:
                    writer.write(answer)
                    await writer.drain()
                if self.close_after_response:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., RawServer]]:
    servers: list[asyncio.Server] = []

    async def start(respond: Callable[[bytes], bytes], **options: bool) -> RawServer:
        raw = RawServer(respond, **options)
        raw.port = free_port()
        servers.append(await asyncio.start_server(raw.handle, "127.0.0.1", raw.port))
        return raw

    yield start  # type: ignore[misc]
    for server in servers:
        server.close()
        await server.wait_closed()


def ok(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def test_connections_are_kept_alive_and_reused(raw_server) -> None:
    server = await raw_server(lambda _: ok(b'{"data":{}}'))
    client = HTTPClient()
    try:
        for _ in range(3):
            assert await client.post(server.url, b"", b'{"query":"{a}"}', 5.0) == (200, b'{"data":{}}')
    finally:
        await client.aclose()
    assert server.connections == 1
    request = server.requests[0]
    assert request.startswith(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:")
    assert request.endswith(b'Content-Length: 15\r\n\r\n{"query":"{a}"}')


async def test_chunked_bodies_are_decoded(raw_server) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"dat\r\n7\r\na\":{}}\n\r\n0\r\n\r\n"
    server = await raw_server(lambda _: chunked)
    client = HTTPClient()
    try:
        assert await client.post(server.url, b"", b"{}", 5.0) == (200, b'{"data":{}}\n')
    finally:
        await client.aclose()


async def test_a_connection_closed_by_the_server_is_not_reused(raw_server) -> None:
    server = await raw_server(lambda _: ok(b"{}"), close_after_response=True)
    client = HTTPClient()
    try:
        assert (await client.post(server.url, b"", b"{}", 5.0))[0] == 200
        await asyncio.sleep(0.05)  # the close reaches us while the connection is idle
        assert (await client.post(server.url, b"", b"{}", 5.0))[0] == 200
    finally:
        await client.aclose()
    assert server.connections == 2


async def test_refused_connection_and_timeout_are_failures(raw_server) -> None:
    client = HTTPClient()
    try:
        with pytest.raises(HTTPFailure, match="connection failed") as refused:
            await client.post(f"http://127.0.0.1:{free_port()}/graphql", b"", b"{}", 5.0)
        assert not refused.value.timeout
        silent = await raw_server(lambda _: b"")
        with pytest.raises(HTTPFailure, match="timed out after 0.2s") as slow:
            await client.post(silent.url, b"", b"{}", 0.2)
        assert slow.value.timeout
    finally:
        await client.aclose()


async def test_malformed_response_is_a_failure(raw_server) -> None:
    server = await raw_server(lambda _: b"NOT HTTP AT ALL\r\n\r\n")
    client = HTTPClient()
    try:
        with pytest.raises(HTTPFailure):
            await client.post(server.url, b"", b"{}", 2.0)
    finally:
        await client.aclose()


def test_forwarded_headers_cannot_split_the_request() -> None:
    encoded = encode_headers({"Authorization": "Bearer x", "X-Bad": "a\r\nInjected: yes", "Bad Name": "v", "X-Ok": "1"})
    assert encoded == b"Authorization: Bearer x\r\nX-Ok: 1\r\n"
