"""A minimal keep-alive HTTP/1.1 server that answers repeated request bodies from memory.

Two uses in the benchmark, both meant to cost next to nothing so the gateway is what is measured:

- ``guild``: the four benchmark subgraphs on one port, one path each (``/accounts``,
  ``/inventory``, ``/products``, ``/reviews``) like the public benchmark's subgraph server. The
  first request with a given body executes it; every later identical body is one dict lookup and
  one write of a ready-made response.
- ``answer FILE``: every POST gets the file's bytes: the "trivial server returning the final
  answer", the ceiling of what the machine and load generator can do.

``GET /health`` answers ``ok``; ``GET /stats`` the number of POSTs per path so far (the bench
turns it into subgraph calls per gateway request). Built on asyncio (uvloop when installed) and
httptools' parser; one process, one thread.

    python -m bench.memo_server --port 4200 guild
    python -m bench.memo_server --port 4300 answer expected.json
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Final, cast

import httptools
import orjson

MAX_MEMO_ENTRIES: Final = 20_000
Answer = Callable[[str, bytes], bytes | None]  # (path, body) -> response body, None: no such path


def _response(status: str, body: bytes, content_type: bytes = b"application/json") -> bytes:
    head = b"HTTP/1.1 " + status.encode() + b"\r\ncontent-type: " + content_type
    return head + b"\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body


_NOT_FOUND: Final = _response("404 Not Found", b'{"errors":[{"message":"no such path"}]}')


class MemoServer:
    """Shared state: the answering function, the memo of full responses, the per-path counts."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.memo: dict[tuple[bytes, bytes], bytes] = {}
        self.counts: Counter[str] = Counter()

    def respond(self, method: bytes, url: bytes, body: bytes) -> bytes:
        if method == b"POST":
            key = (url, body)
            cached = self.memo.get(key)
            path = url.split(b"?", 1)[0].decode("latin-1")
            self.counts[path] += 1
            if cached is not None:
                return cached
            payload = self.answer(path, body)
            if payload is None:
                return _NOT_FOUND
            response = _response("200 OK", payload)
            if len(self.memo) < MAX_MEMO_ENTRIES:
                self.memo[key] = response
            return response
        if url == b"/health":
            return _response("200 OK", b"ok", b"text/plain")
        if url == b"/stats":
            return _response("200 OK", orjson.dumps(dict(self.counts)))
        return _NOT_FOUND


class _Connection(asyncio.Protocol):
    def __init__(self, server: MemoServer) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.write(_response("400 Bad Request", b'{"errors":[{"message":"bad HTTP"}]}'))
                self.transport.close()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url = b""
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.transport is None:
            return
        self.transport.write(self.server.respond(self.parser.get_method(), self.url, b"".join(self.body)))
        if not self.parser.should_keep_alive():
            self.transport.close()


async def serve(answer: Answer, host: str, port: int) -> None:
    state = MemoServer(answer)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(state), host, port, backlog=1024)
    print(f"ready http://{host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


def guild_answer() -> Answer:
    from bench.guild.subgraphs import load_all

    subgraphs = {f"/{name}": subgraph for name, subgraph in load_all().items()}

    def answer(path: str, body: bytes) -> bytes | None:
        subgraph = subgraphs.get(path)
        return subgraph.answer(body) if subgraph is not None else None

    return answer


def fixed_answer(path: Path) -> Answer:
    payload = path.read_bytes()
    return lambda _path, _body: payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    modes = parser.add_subparsers(dest="mode", required=True)
    modes.add_parser("guild", help="the four benchmark subgraphs, one path each")
    fixed = modes.add_parser("answer", help="answer every POST with a file's bytes")
    fixed.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    answer = guild_answer() if args.mode == "guild" else fixed_answer(args.file)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        runner = asyncio.run
    try:
        runner(serve(answer, args.host, args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
