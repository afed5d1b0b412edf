"""uvicorn's httptools HTTP/1.1 protocol, writing each response with one system call.

uvicorn writes a response's head and its body separately (two ASGI messages), which
costs two ``send`` system calls and two TCP segments per response. On small GraphQL
answers those writes are a large share of the router's whole per-request CPU. Here the
transport the protocol sees buffers writes made during one event-loop step and hands
them to the real transport together at the end of it (joined when small, else one
``writev``), so a response goes out in one call however many messages built it.

Everything else is uvicorn's: parsing, keep-alive, flow control, pipelining, upgrades.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


# Small writes are joined (uvloop writes a single buffer on its fastest path); larger ones go
# out with ``writelines`` (one ``writev``, no copy of the body).
JOIN_LIMIT = 16384


class CoalescingTransport:
    """Forwards everything to ``transport``; writes of one loop step are sent together."""

    __slots__ = ("_transport", "_loop", "_pending")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self.flush)
        else:
            self._pending.append(data)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if not pending or self._transport.is_closing():
            return
        if len(pending) == 1:
            self._transport.write(pending[0])
        elif sum(map(len, pending)) <= JOIN_LIMIT:
            self._transport.write(b"".join(pending))
        else:  # a large body: one writev rather than a copy
            self._transport.writelines(pending)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()  # what was written before close still goes out, as with a plain transport
        self._transport.close()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending or ()))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

    def eof_received(self) -> bool | None:
        # the client half-closed: asyncio closes the real transport right after this returns,
        # so what is still buffered must go now
        if isinstance(self.transport, CoalescingTransport):
            self.transport.flush()
        return super().eof_received()
