"""Responses written in one system call (``router.server.http_protocol``), through the real server."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.server.http_protocol import CoalescingTransport
from tests.router_server.test_graphql_http_audit import run_audit
from tests.router_server.test_workers import SHOP, Router


class RecordingTransport:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def writelines(self, chunks: list[bytes]) -> None:
        self.calls.append(("writelines", list(chunks)))

    def close(self) -> None:
        self.calls.append(("close", None))
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_writes_of_one_loop_step_go_out_together_in_order() -> None:
    real = RecordingTransport()
    transport = CoalescingTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"")
    transport.write(b'{"data":{}}')
    assert real.calls == [] and transport.get_write_buffer_size() == 30
    await asyncio.sleep(0)
    assert real.calls == [("write", b'HTTP/1.1 200 OK\r\n\r\n{"data":{}}')]
    transport.write(b"alone")
    await asyncio.sleep(0)
    assert real.calls[-1] == ("write", b"alone")
    big = b"x" * 100_000
    transport.write(b"head")
    transport.write(big)
    await asyncio.sleep(0)
    assert real.calls[-1] == ("writelines", [b"head", big])  # one call, the body not copied
    transport.write(b"last words")
    transport.close()  # written before close: still sent, before closing
    assert real.calls[-2:] == [("write", b"last words"), ("close", None)]
    await asyncio.sleep(0)
    assert real.calls[-1] == ("close", None)
    assert transport.get_extra_info("peername") == "info:peername"


def raw_exchange(port: int, requests: list[bytes], half_close: bool = False) -> bytes:
    """Pipelined requests on one connection; the raw bytes that come back within a second."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"".join(requests))
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        sock.settimeout(1.0)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
    return b"".join(chunks)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_served_router_answers_keep_alive_and_pipelined_requests(tmp_path: Path, workers: str) -> None:
    router = Router(SHOP, tmp_path, "--workers", workers)
    try:
        with httpx.Client(base_url=router.url, timeout=10) as client:
            big = client.post("/graphql", json={"query": "{ __schema { types { name description fields { name description args { name } type { name kind } } } } }"})
            assert big.status_code == 200 and len(big.content) > 5000
            for _ in range(5):  # one connection, several responses
                assert client.post("/graphql", json={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
            assert client.get("/health").json() == {"status": "UP"}
        body = b'{"query":"{ __typename }"}'
        request = (
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        answer = raw_exchange(router.port, [request, request, request])
        assert answer.count(b"HTTP/1.1 200 OK") == 3
        assert answer.count(b'{"data":{"__typename":"Query"}}') == 3
        # a client that half-closes after its request still gets the answer
        answer = raw_exchange(router.port, [request], half_close=True)
        assert answer.count(b'{"data":{"__typename":"Query"}}') == 1
    finally:
        router.stop()


@pytest.mark.node
def test_graphql_over_http_audit_against_the_served_router(tmp_path: Path) -> None:
    router = Router(SHOP, tmp_path, "--workers", "2")
    try:
        results = run_audit(router.url + "/graphql")
    finally:
        router.stop()
    failures = [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    assert not failures, "\n".join(failures)
