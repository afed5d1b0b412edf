"""Load generation: wrk with bench/check.lua, or a small asyncio generator when wrk is missing.

Both keep N keep-alive connections busy with the same POST for a fixed time and count, besides
latency, every answer that is not a 200 with exactly the expected bytes (``wrong``/``non2xx``)
and every socket error or timeout.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httptools

CHECK_LUA = Path(__file__).resolve().parent / "check.lua"
WRK_HOWTO = ("wrk not found: install it (Debian/Ubuntu: apt-get install -y wrk) for full-speed load; "
             "using the slower built-in Python generator")


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    wrong: int
    socket_errors: int
    generator: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.wrong + self.socket_errors

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "rps": self.rps, "errors": self.errors}


@dataclass
class Request:
    url: str
    body: Path  # the POST body
    expected: Path  # the exact bytes of a correct answer
    headers: Mapping[str, str]
    first_bad: Path | None = None  # where the first wrong or non-2xx answer is kept (status line, body)


def find_wrk() -> str | None:
    return shutil.which("wrk")


def run_wrk(wrk: str, request: Request, connections: int, seconds: float, cpus: str | None) -> LoadResult:
    argv = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(CHECK_LUA)]
    for name, value in request.headers.items():
        argv += ["-H", f"{name}: {value}"]
    argv += [request.url, "--", str(request.body), str(request.expected)]
    if request.first_bad is not None:
        argv.append(str(request.first_bad))
    if cpus:
        argv = ["taskset", "-c", cpus, *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in reversed(done.stdout.splitlines()) if ln.startswith("{")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed (status {done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    data = json.loads(line)
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        non2xx=data["non200"],
        wrong=data["wrong"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        generator="wrk",
    )


# -- fallback: one asyncio process, httptools parsing ---------------------------------------------


class _Reply:
    """Parses one HTTP/1.1 response (content-length or chunked) off a keep-alive connection."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.chunks: list[bytes] = []
        self.complete = False

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


async def _client(
    host: str, port: int, raw: bytes, expected: bytes, deadline: float, latencies: list[float], counts: dict[str, int],
    first_bad: Path | None,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            started = time.perf_counter()
            writer.write(raw)
            reply = _Reply()
            while not reply.complete:
                data = await asyncio.wait_for(reader.read(262144), timeout=30)
                if not data:
                    raise ConnectionError("closed")
                reply.parser.feed_data(data)
            latencies.append(time.perf_counter() - started)
            status, content = reply.parser.get_status_code(), b"".join(reply.chunks)
            if status != 200 or content != expected:
                counts["non2xx" if status != 200 else "wrong"] += 1
                if first_bad is not None and not first_bad.exists():
                    first_bad.write_bytes(f"{status}\n".encode() + content)
            if not reply.parser.should_keep_alive():
                writer.close()
                writer = None
        except (OSError, ConnectionError, asyncio.TimeoutError, httptools.HttpParserError):
            counts["socket"] += 1
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _python_load(request: Request, connections: int, seconds: float) -> LoadResult:
    target = urlsplit(request.url)
    body = request.body.read_bytes()
    head = [f"POST {target.path or '/'} HTTP/1.1", f"Host: {target.netloc}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in request.headers.items())]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    latencies: list[float] = []
    counts = {"non2xx": 0, "wrong": 0, "socket": 0}
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(
        _client(target.hostname or "127.0.0.1", target.port or 80, raw, request.expected.read_bytes(), deadline,
                latencies, counts, request.first_bad)
        for _ in range(connections)
    ))
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(fraction: float) -> float:
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000 if latencies else 0.0

    return LoadResult(len(latencies), elapsed, pct(0.5), pct(0.9), pct(0.99), pct(1.0), counts["non2xx"],
                      counts["wrong"], counts["socket"], "python")


def run_python(request: Request, connections: int, seconds: float) -> LoadResult:
    return asyncio.run(_python_load(request, connections, seconds))


def run_load(wrk: str | None, request: Request, connections: int, seconds: float, cpus: str | None) -> LoadResult:
    if wrk is not None:
        return run_wrk(wrk, request, connections, seconds, cpus)
    return run_python(request, connections, seconds)
