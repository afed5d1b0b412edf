"""What a prepared scenario hands to the measuring loop, whatever graph it serves."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]


class ScenarioUnavailable(Exception):
    """The scenario cannot run on this machine (e.g. no RabbitMQ); the message says how to fix it."""


@dataclass
class Prepared:
    name: str
    title: str
    supergraph: Path  # served by our router
    peer_supergraph: Path  # served by the Node peers
    body: Path  # the POST body sent by the load generator
    expected: dict[str, Any]  # the full, correct response
    answer: Path  # the expected response, compact JSON (for the ceiling server)
    headers: dict[str, str] = field(default_factory=dict)
    forward_auth: bool = False
    env: dict[str, str] = field(default_factory=dict)
    subgraph_calls: Callable[[], int] | None = None  # subgraph requests served so far, when countable
    default_gateways: tuple[str, ...] = ()
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def cleanup(self) -> None:
        while self.cleanups:
            try:
                self.cleanups.pop()()
            except Exception as error:  # noqa: BLE001 - the other cleanups must still run
                print(f"! cleanup of {self.name} failed: {error}", file=sys.stderr)


def write_request(workdir: Path, query: str, expected: Mapping[str, Any]) -> tuple[Path, Path]:
    """The body file and the compact expected-answer file the load generator and ceiling use."""
    body = workdir / "body.json"
    body.write_text(json.dumps({"query": query}))
    answer = workdir / "answer.json"
    answer.write_bytes(json.dumps(expected, separators=(",", ":"), ensure_ascii=False).encode())
    return body, answer


def compose(config: Path, output: Path, env: Mapping[str, str] | None = None) -> None:
    """Compose once with our composer (``python -m router compose``)."""
    done = subprocess.run(
        [sys.executable, "-m", "router", "compose", "--config", str(config), "--output", str(output)],
        cwd=ROOT, env=dict(env) if env is not None else None, capture_output=True, text=True, timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"composition failed:\n{done.stderr.strip() or done.stdout.strip()}")
