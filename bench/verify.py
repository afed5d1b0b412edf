"""Answer checks around the timed runs: the full JSON of every gateway against the expected one.

Before timing, a few sequential requests and one burst of concurrent ones must all come back 200
with exactly the expected JSON and the same bytes each time (those bytes are what the load
generator then compares every answer with). During the run a thread samples one answer a
second; afterwards a few more are checked.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx


class WrongAnswer(Exception):
    pass


def _describe(expected: Any, got: Any, path: str = "") -> str:
    """Where two JSON values first differ, for a readable error."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in expected:
            if key not in got:
                return f"{path}.{key}: missing"
            if expected[key] != got[key]:
                return _describe(expected[key], got[key], f"{path}.{key}")
        extra = sorted(set(got) - set(expected))
        return f"{path}: unexpected keys {extra}" if extra else f"{path}: key order differs"
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{path}: {len(got)} items instead of {len(expected)}"
        for index, (e, g) in enumerate(zip(expected, got)):
            if e != g:
                return _describe(e, g, f"{path}[{index}]")
    return f"{path}: {json.dumps(got)[:200]} instead of {json.dumps(expected)[:200]}"


def check_answer(status: int, content: bytes, expected: Mapping[str, Any]) -> None:
    if status != 200:
        raise WrongAnswer(f"HTTP {status}: {content[:300]!r}")
    try:
        got = json.loads(content)
    except ValueError as error:
        raise WrongAnswer(f"not JSON ({error}): {content[:300]!r}") from None
    if json.dumps(got) != json.dumps(expected):  # values and key order (GraphQL keeps the query's order)
        raise WrongAnswer(f"wrong answer at {_describe(expected, got) or '(top)'}")


def fetch(client: httpx.Client, url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
    reply = client.post(url, content=body, headers={"content-type": "application/json", **headers})
    return reply.status_code, reply.content


def verified_bytes(url: str, body: bytes, headers: Mapping[str, str], expected: Mapping[str, Any],
                   concurrency: int) -> bytes:
    """The gateway's exact answer bytes, after checking sequential and concurrent answers in full."""
    answers: list[bytes] = []
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        for _ in range(3):
            status, content = fetch(client, url, body, headers)
            check_answer(status, content, expected)
            answers.append(content)
        with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
            for status, content in pool.map(lambda _n: fetch(client, url, body, headers), range(concurrency)):
                check_answer(status, content, expected)
                answers.append(content)
    if len(set(answers)) != 1:
        raise WrongAnswer(f"the answers are right but not byte-identical ({len(set(answers))} variants): "
                          "a byte comparison under load would miscount")
    return answers[0]


@dataclass
class DuringSampler:
    """One full-JSON check a second while the load runs (a negligible extra load)."""

    url: str
    body: bytes
    headers: Mapping[str, str]
    expected: Mapping[str, Any]
    interval: float = 1.0
    checked: int = 0
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=60) as client:
            while not self._stop.wait(self.interval):
                try:
                    status, content = fetch(client, self.url, self.body, self.headers)
                    check_answer(status, content, self.expected)
                except (WrongAnswer, httpx.HTTPError) as error:
                    self.failures.append(str(error))
                self.checked += 1

    def __enter__(self) -> "DuringSampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
