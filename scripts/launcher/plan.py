"""What ``make run`` starts, where, and with which environment.

A pure function of the environment, so every choice (ports, storage, the URLs the router
uses) is decided and tested before anything starts. Every process gets the caller's
whole environment, so any service setting (``ORDER_STATUS_INTERVAL_SECONDS``,
``LOG_LEVEL``, ...) set for ``make run`` reaches the process that reads it; the plan only
adds where each one listens and keeps its data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

# The four subgraphs in the original design's order, with their default ports.
SUBGRAPHS: tuple[tuple[str, int], ...] = (
    ("users", 8001),
    ("notifications", 8002),
    ("recommendations", 8003),
    ("orders", 8004),
)
ROUTER_PORT = 8000
DEFAULT_DATA_DIR = "data"
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


class PlanError(Exception):
    """A setting of ``make run`` itself is unusable; the message is the one line to show."""


@dataclass(frozen=True)
class Part:
    """One process of the system."""

    name: str
    port: int
    port_variable: str
    args: tuple[str, ...]  # after the Python interpreter
    env: Mapping[str, str]
    url: str  # where clients send GraphQL
    health_url: str
    database_url: str | None = None  # None for the router, which keeps no data


@dataclass(frozen=True)
class Plan:
    host: str
    data_dir: Path
    subgraphs: tuple[Part, ...]
    router_port: int
    router_env: Mapping[str, str]
    connect_host: str

    def router(self, supergraph: Path) -> Part:
        """The router over ``supergraph`` (known only after the supergraph check)."""
        return Part(
            name="router",
            port=self.router_port,
            port_variable="ROUTER_PORT",
            args=(
                "-m", "router", "serve",
                "--supergraph", str(supergraph),
                "--host", self.host,
                "--port", str(self.router_port),
            ),
            env=self.router_env,
            url=f"http://{self.connect_host}:{self.router_port}/graphql",
            health_url=f"http://{self.connect_host}:{self.router_port}/health",
        )

    def uses_sqlite(self) -> bool:
        return any((part.database_url or "").startswith("sqlite") for part in self.subgraphs)


def port_variable(name: str) -> str:
    return f"{name.upper()}_PORT"


def database_variable(name: str) -> str:
    return f"{name.upper()}_DATABASE_URL"


def subgraph_url_variable(name: str) -> str:
    """The router's per-subgraph URL override (see docs/router-server.md)."""
    return f"SUBGRAPH_URL_{name.upper()}"


def read_port(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = (env.get(variable) or "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise PlanError(f"{variable} must be a port number, got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise PlanError(f"{variable} must be between 1 and 65535, got {port}")
    return port


def data_dir(env: Mapping[str, str], cwd: Path) -> Path:
    raw = env.get("DATA_DIR") or DEFAULT_DATA_DIR
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (cwd / path)


def database_url(name: str, env: Mapping[str, str], directory: Path) -> str:
    """``<NAME>_DATABASE_URL`` if set (e.g. PostgreSQL), else a SQLite file in ``directory``."""
    return env.get(database_variable(name)) or f"sqlite:///{directory.resolve() / name}.db"


def describe_database(url: str, cwd: Path) -> str:
    """Where a service keeps its data, for the summary: a short path or a URL without password."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        try:
            return str(path.resolve().relative_to(cwd.resolve()))
        except ValueError:
            return str(path)
    return make_url(url).render_as_string(hide_password=True)


def build_plan(env: Mapping[str, str], cwd: Path) -> Plan:
    """Decide ports, storage and URLs; raise PlanError on the first unusable setting."""
    host = env.get("HOST") or "127.0.0.1"
    connect_host = "127.0.0.1" if host in WILDCARD_HOSTS else host
    directory = data_dir(env, cwd)
    base = {key: value for key, value in env.items() if key != "DATABASE_URL"}
    base.setdefault("PYTHONUNBUFFERED", "1")

    taken: dict[int, str] = {}
    router_port = read_port(env, "ROUTER_PORT", ROUTER_PORT)
    taken[router_port] = "ROUTER_PORT"
    subgraphs: list[Part] = []
    for name, default_port in SUBGRAPHS:
        variable = port_variable(name)
        port = read_port(env, variable, default_port)
        if port in taken:
            raise PlanError(f"{taken[port]} and {variable} are both {port}: give each part its own port")
        taken[port] = variable
        url = database_url(name, env, directory)
        subgraphs.append(
            Part(
                name=name,
                port=port,
                port_variable=variable,
                args=("-m", f"subgraphs.{name}"),
                env={**base, "HOST": host, "PORT": str(port), "DATABASE_URL": url},
                url=f"http://{connect_host}:{port}/graphql",
                health_url=f"http://{connect_host}:{port}/health",
                database_url=url,
            )
        )

    # The router reaches the subgraphs where they run now, whatever routing URLs the
    # supergraph carries; a SUBGRAPH_URL_<NAME> the caller set still wins.
    router_env = dict(base)
    for part in subgraphs:
        router_env.setdefault(subgraph_url_variable(part.name), part.url)
    return Plan(
        host=host,
        data_dir=directory,
        subgraphs=tuple(subgraphs),
        router_port=router_port,
        router_env=router_env,
        connect_host=connect_host,
    )


def merged_environment(environ: Mapping[str, str], local_values: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment over ``.env.local``: an exported (non-empty) value wins."""
    merged = dict(environ)
    for key, value in local_values.items():
        if not merged.get(key):
            merged[key] = value
    return merged


def ignored_settings(env: Mapping[str, str]) -> list[str]:
    """Settings a user might expect ``make run`` to honour but which it replaces, with why."""
    notes = []
    if env.get("DATABASE_URL"):
        names = ", ".join(database_variable(name) for name, _ in SUBGRAPHS)
        notes.append(f"DATABASE_URL is ignored (each service needs its own database): set {names} instead")
    if env.get("PORT"):
        notes.append("PORT is ignored: set ROUTER_PORT or " + ", ".join(port_variable(n) for n, _ in SUBGRAPHS))
    return notes
