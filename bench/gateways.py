"""The gateways the bench can measure, and how each one is started on the gateway CPU.

- ``ours``: ``python -m router serve --workers N`` with its default settings.
- ``ours-nodedup``: the same without inbound de-duplication (identical in-flight client
  requests sharing one execution), when this checkout's router has that switch.
- ``compare``: the router of another checkout (``--compare DIR``), default settings.
- ``apollo``: @apollo/gateway on @apollo/server, one Node process.
- ``hive-js`` / ``hive-rust``: Hive Gateway with its JavaScript planner or the Rust one
  (@graphql-hive/router-runtime), ``-dedup``: with inbound de-duplication on.
- ``ceiling``: a trivial server that answers every POST with the final answer's bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bench.procs import Pinning, Processes, Started

ROOT: Final = Path(__file__).resolve().parents[1]
BENCH_DIR: Final = ROOT / "bench"
NODE_MODULES: Final = BENCH_DIR / "node_modules"
HIVE_BIN: Final = NODE_MODULES / "@graphql-hive" / "gateway" / "dist" / "bin.js"
APOLLO_SCRIPT: Final = BENCH_DIR / "node" / "apollo-gateway.cjs"
HIVE_CONFIG: Final = BENCH_DIR / "node" / "hive.config.mjs"


@dataclass
class LaunchContext:
    """What a scenario gives the gateways: supergraphs, the answer, settings, the process registry."""

    procs: Processes
    pinning: Pinning
    supergraph: Path  # for our router
    peer_supergraph: Path  # for Node peers (without what they cannot load, e.g. SECURITY features)
    answer: Path  # the exact bytes of the expected answer, for the ceiling server
    workers: str
    compare: Path | None
    forward_auth: bool  # peers must pass the client's Authorization header to subgraphs
    env: dict[str, str] = field(default_factory=dict)  # extra environment (SECRET_KEY, ...)


@dataclass(frozen=True)
class Gateway:
    name: str
    description: str
    needs_node: bool
    launch: Callable[["Gateway", LaunchContext, int], Started]
    graphql_path: str = "/graphql"


def _base_env(ctx: LaunchContext) -> dict[str, str]:
    return {**os.environ, **ctx.env}


def router_supports(flag: str, checkout: Path = ROOT) -> bool:
    """Whether ``python -m router serve`` of ``checkout`` knows ``flag`` (it lists it in --help)."""
    done = subprocess.run(
        [sys.executable, "-m", "router", "serve", "--help"], cwd=checkout, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(checkout)},
    )
    return flag in done.stdout


Launcher = Callable[[Gateway, LaunchContext, int], Started]


def _router(extra: list[str], checkout_of: Callable[[LaunchContext], Path]) -> Launcher:
    def launch(gateway: Gateway, ctx: LaunchContext, port: int) -> Started:
        checkout = checkout_of(ctx)
        argv = [sys.executable, "-m", "router", "serve", "--supergraph", str(ctx.supergraph), "--host", "127.0.0.1",
                "--port", str(port), "--workers", ctx.workers, *extra]
        # `python -m router` imports the router of its working directory (and PYTHONPATH): the checkout's own.
        env = {**_base_env(ctx), "ROUTER_LOG_LEVEL": "error", "PYTHONPATH": str(checkout)}
        return ctx.procs.start(gateway.name, ctx.pinning.argv(ctx.pinning.gateway, argv), env=env, cwd=checkout)

    return launch


def _node_env(ctx: LaunchContext, **extra: str) -> dict[str, str]:
    env = {**_base_env(ctx), "NODE_ENV": "production", **extra}
    if ctx.forward_auth:
        env["BENCH_FORWARD_AUTH"] = "1"
    return env


def _apollo(gateway: Gateway, ctx: LaunchContext, port: int) -> Started:
    argv = ["node", str(APOLLO_SCRIPT), str(ctx.peer_supergraph), str(port)]
    return ctx.procs.start(gateway.name, ctx.pinning.argv(ctx.pinning.gateway, argv), env=_node_env(ctx),
                           cwd=BENCH_DIR)


def _hive(planner: str, dedup: bool) -> Callable[[Gateway, LaunchContext, int], Started]:
    def launch(gateway: Gateway, ctx: LaunchContext, port: int) -> Started:
        argv = ["node", str(HIVE_BIN), "supergraph", str(ctx.peer_supergraph), "--host", "127.0.0.1", "--port",
                str(port), "--fork", "1", "-c", str(HIVE_CONFIG)]
        if planner == "js":
            argv.append("--jit")  # as the public benchmark runs its hive-gateway entry
        env = _node_env(ctx, BENCH_HIVE_PLANNER=planner, BENCH_HIVE_INBOUND_DEDUP="1" if dedup else "0")
        return ctx.procs.start(gateway.name, ctx.pinning.argv(ctx.pinning.gateway, argv), env=env, cwd=BENCH_DIR)

    return launch


def _ceiling(gateway: Gateway, ctx: LaunchContext, port: int) -> Started:
    argv = [sys.executable, "-m", "bench.memo_server", "--port", str(port), "answer", str(ctx.answer)]
    return ctx.procs.start(gateway.name, ctx.pinning.argv(ctx.pinning.gateway, argv), env=_base_env(ctx), cwd=ROOT)


def _compare_checkout(ctx: LaunchContext) -> Path:
    if ctx.compare is None:
        raise RuntimeError("the compare gateway needs --compare CHECKOUT")
    return ctx.compare


GATEWAYS: Final[dict[str, Gateway]] = {
    gateway.name: gateway
    for gateway in (
        Gateway("ours", "our router (python -m router serve), default settings", False,
                _router([], lambda _ctx: ROOT)),
        Gateway("ours-nodedup", "our router without inbound de-duplication", False,
                _router(["--no-dedupe-requests"], lambda _ctx: ROOT)),
        Gateway("compare", "the router of --compare CHECKOUT, default settings", False,
                _router([], _compare_checkout)),
        Gateway("apollo", "@apollo/gateway on @apollo/server (Node, one process)", True, _apollo, "/"),
        Gateway("hive-js", "Hive Gateway, JavaScript planner (--jit), no inbound dedup", True, _hive("js", False)),
        Gateway("hive-js-dedup", "Hive Gateway, JavaScript planner (--jit), inbound dedup", True, _hive("js", True)),
        Gateway("hive-rust", "Hive Gateway, Rust planner (router-runtime), no inbound dedup", True,
                _hive("rust", False)),
        Gateway("hive-rust-dedup", "Hive Gateway, Rust planner (router-runtime), inbound dedup", True,
                _hive("rust", True)),
        Gateway("ceiling", "trivial server answering every POST with the final answer's bytes", False, _ceiling),
    )
}

# Shorthands for --gateways.
GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "hive": ("hive-js", "hive-rust", "hive-rust-dedup"),
    "ours-all": ("ours", "ours-nodedup"),
}


def expand(requested: str) -> list[str]:
    """Comma-separated names and groups, in order, each once."""
    names: list[str] = []
    for item in (part.strip() for part in requested.split(",")):
        for name in GROUPS.get(item, (item,) if item else ()):
            if name not in names:
                names.append(name)
    return names
