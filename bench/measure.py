"""One gateway, one round: start it pinned, check its answers, warm it up, time it, stop it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.gateways import Gateway, LaunchContext
from bench.load import LoadResult, Request, run_load
from bench.procs import PeakSampler, free_port, tree_cpu_seconds, wait_idle, wait_until
from bench.scenario import Prepared
from bench.verify import DuringSampler, WrongAnswer, check_answer, fetch, verified_bytes


@dataclass
class Settings:
    connections: int
    duration: float
    warmup: float
    wrk: str | None
    workdir: Path


@dataclass
class Measurement:
    gateway: str
    load: LoadResult | None = None
    peak_rss: int = 0
    cpu_seconds: float | None = None
    subgraph_calls: int | None = None
    sampled: int = 0
    problems: list[str] = field(default_factory=list)
    warmup_errors: int = 0

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.load is None or not self.load.requests or self.cpu_seconds is None:
            return None
        return self.cpu_seconds / self.load.requests * 1000

    @property
    def subgraph_calls_per_request(self) -> float | None:
        if self.load is None or not self.load.requests or self.subgraph_calls is None:
            return None
        return self.subgraph_calls / self.load.requests

    def as_dict(self) -> dict[str, Any]:
        return {
            "gateway": self.gateway,
            "load": self.load.as_dict() if self.load else None,
            "peak_rss_bytes": self.peak_rss,
            "cpu_ms_per_request": self.cpu_ms_per_request,
            "subgraph_calls_per_request": self.subgraph_calls_per_request,
            "sampled_answers": self.sampled,
            "warmup_errors": self.warmup_errors,
            "problems": self.problems,
        }


def _excerpt(path: Path, limit: int = 300) -> str:
    try:
        text = path.read_bytes()[:limit].decode("utf-8", "replace")
    except OSError:
        return "(not kept)"
    return text.replace("\n", " | ", 1)


def _ready(url: str, body: bytes, headers: dict[str, str]) -> bool:
    reply = httpx.post(url, content=body, headers={"content-type": "application/json", **headers}, timeout=5)
    return reply.status_code == 200


def measure(gateway: Gateway, ctx: LaunchContext, prepared: Prepared, settings: Settings, say: Any) -> Measurement:
    result = Measurement(gateway.name)
    port = free_port()
    url = f"http://127.0.0.1:{port}{gateway.graphql_path}"
    body = prepared.body.read_bytes()
    started = gateway.launch(gateway, ctx, port)
    try:
        t0 = time.monotonic()
        probe = b'{"query":"{ __typename }"}'
        wait_until(lambda: _ready(url, probe, prepared.headers), f"{gateway.name} to answer", started, timeout=120)
        say(f"started in {time.monotonic() - t0:.1f}s (pid {started.pid}); checking answers")
        try:
            exact = verified_bytes(url, body, prepared.headers, prepared.expected, settings.connections)
        except (WrongAnswer, httpx.HTTPError) as error:
            result.problems.append(f"answer check before the run: {error}")
            return result
        expected_file = settings.workdir / f"expected.{gateway.name}.json"
        expected_file.write_bytes(exact)
        first_bad = settings.workdir / f"first-bad.{gateway.name}.txt"
        first_bad.unlink(missing_ok=True)
        request = Request(url, prepared.body, expected_file, prepared.headers, first_bad)
        pinning = ctx.pinning
        if settings.warmup > 0:
            say(f"warm-up {settings.warmup:g}s")
            warm = run_load(settings.wrk, request, settings.connections, settings.warmup, pinning.load)
            result.warmup_errors = warm.errors
            idle = wait_idle(started.pid)
            if idle > 1:
                say(f"waited {idle:.1f}s for the requests the warm-up left in flight")
        say(f"measuring {settings.duration:g}s with {settings.connections} connections")
        calls_before = prepared.subgraph_calls() if prepared.subgraph_calls else None
        cpu_before = tree_cpu_seconds(started.pid)
        with PeakSampler(started.pid) as sampler, \
                DuringSampler(url, body, prepared.headers, prepared.expected) as during:
            result.load = run_load(settings.wrk, request, settings.connections, settings.duration, pinning.load)
        result.cpu_seconds = tree_cpu_seconds(started.pid) - cpu_before
        result.peak_rss = sampler.peak
        if calls_before is not None and prepared.subgraph_calls is not None:
            # includes the one-a-second sampled requests: negligible next to the load's
            result.subgraph_calls = prepared.subgraph_calls() - calls_before
        result.sampled = during.checked
        if result.load.non2xx or result.load.wrong:
            result.problems.append(f"first bad answer under load ({first_bad}): {_excerpt(first_bad)}")
        result.problems += [f"answer sampled during the run: {f}" for f in during.failures[:3]]
        with httpx.Client(timeout=60) as client:
            for _ in range(3):
                try:
                    check_answer(*fetch(client, url, body, prepared.headers), prepared.expected)
                except (WrongAnswer, httpx.HTTPError) as error:
                    result.problems.append(f"answer check after the run: {error}")
                    break
        if started.process.poll() is not None:
            result.problems.append(f"exited during the run with status {started.process.returncode}")
        return result
    except RuntimeError as error:
        result.problems.append(str(error))
        return result
    finally:
        ctx.procs.stop(started)
