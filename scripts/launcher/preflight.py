"""Checks before ``make run`` starts anything, each ending in one line that says what to do.

Four processes failing on the same bad SECRET_KEY, or a port conflict surfacing as a
uvicorn traceback halfway through start-up, would bury the cause; checking first turns
each into a single message and a non-zero exit with nothing left running.
"""

from __future__ import annotations

import errno
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from router.config import ConfigError
from router.config import load_config as load_router_config
from scripts.launcher.plan import Part, Plan
from subgraphs.common.settings import SettingsError, load_settings

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
RABBITMQ_DEFAULT_PORT = 5672
BROKER_START_SECONDS = 60.0
DOCKER_RABBITMQ = "docker run -d --name rabbitmq -p 5672:5672 rabbitmq:3.13-management"


def settings_problems(plan: Plan, router_env: Mapping[str, str]) -> list[str]:
    """Each service's own validation, run here once; a message shared by several services
    (a bad SECRET_KEY is everyone's) is shown once, naming them all."""
    by_message: dict[str, list[str]] = {}
    for part in plan.subgraphs:
        try:
            load_settings(part.name, part.env)
        except SettingsError as exc:
            by_message.setdefault(str(exc), []).append(part.name)
    try:
        load_router_config(router_env)
    except ConfigError as exc:
        message = str(exc)
        # The router words a short key its own way; the services' line already says it.
        if not (message.startswith("SECRET_KEY") and any(m.startswith("SECRET_KEY") for m in by_message)):
            by_message.setdefault(message, []).append("router")
    return [f"{', '.join(names)}: configuration error: {message}" for message, names in by_message.items()]


def port_problem(host: str, port: int) -> str | None:
    """Why a service could not listen on ``host:port`` (None when it can)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # Like uvicorn: a port left in TIME_WAIT by the previous run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "is already in use"
            return f"cannot be used on {host} ({exc.strerror or exc})"
    return None


def port_problems(parts: list[Part], host: str) -> list[str]:
    problems = []
    for part in parts:
        reason = port_problem(host, part.port)
        if reason is not None:
            problems.append(
                f"port {part.port} ({part.name}) {reason}: stop what listens there (another `make run`?) "
                f"or choose another port, e.g. {part.port_variable}={suggest_port(part.port)} make run"
            )
    return problems


def suggest_port(port: int) -> int:
    return port + 1000 if port + 1000 <= 65535 else port - 1000


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS


def broker_address(env: Mapping[str, str]) -> BrokerAddress:
    """Where the services will look for RabbitMQ: AMQP_URL wins over the RABBITMQ_* parts."""
    if env.get("AMQP_URL"):
        parts = urlsplit(env["AMQP_URL"])
        default = 5671 if parts.scheme == "amqps" else RABBITMQ_DEFAULT_PORT
        try:
            port = parts.port
        except ValueError:  # a port that is not a number: the connection attempt will say so
            port = None
        return BrokerAddress(parts.hostname or "localhost", port or default)
    port_raw = (env.get("RABBITMQ_PORT") or "").strip()
    return BrokerAddress(env.get("RABBITMQ_HOST") or "localhost", int(port_raw) if port_raw else RABBITMQ_DEFAULT_PORT)


def reachable(address: BrokerAddress, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_broker(
    env: Mapping[str, str],
    *,
    which: Callable[[str], str | None] = shutil.which,
    start: Callable[[str, Mapping[str, str]], subprocess.CompletedProcess[str]] | None = None,
    wait_seconds: float = BROKER_START_SECONDS,
    say: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> str | None:
    """None once the broker answers; otherwise the one message saying how to get one.

    A local server that is installed but stopped is started (``rabbitmq-server -detached``,
    as CI does); it keeps running after ``make run`` stops, like any system service.
    """
    address = broker_address(env)
    if reachable(address):
        return None
    where = f"{address.host}:{address.port}"
    # Only a broker this machine's server would provide: local, on the server's port.
    server = which("rabbitmq-server") if address.local and address.port == local_server_port(env) else None
    if server is None:
        missing = " and no local rabbitmq-server is installed" if address.local and which("rabbitmq-server") is None else ""
        return (
            f"RabbitMQ is not reachable at {where}{missing}. Start one, e.g. `{DOCKER_RABBITMQ}` "
            f"(or install the rabbitmq-server package), or point RABBITMQ_HOST/RABBITMQ_PORT (or AMQP_URL) "
            f"at a running broker; then run `make run` again."
        )
    say(f"RabbitMQ is not running at {where}: starting the local server (rabbitmq-server -detached) ...")
    result = (start or _start_rabbitmq)(server, env)
    deadline = time.monotonic() + wait_seconds
    stop = stop or threading.Event()
    while time.monotonic() < deadline and not stop.is_set():
        if reachable(address):
            say("RabbitMQ is up (it keeps running after make run stops; `rabbitmqctl stop` stops it)")
            return None
        stop.wait(1)
    if stop.is_set():
        return "interrupted while waiting for RabbitMQ to start"
    output = (result.stdout or "").strip().splitlines()
    detail = f" (it said: {output[-1]})" if output else ""
    return (
        f"RabbitMQ did not come up at {where} within {wait_seconds:.0f} s of `rabbitmq-server -detached`{detail}. "
        f"Start it yourself (its logs are in /var/log/rabbitmq) or run one with `{DOCKER_RABBITMQ}`."
    )


def local_server_port(env: Mapping[str, str]) -> int:
    """The port a locally started rabbitmq-server listens on (it reads RABBITMQ_NODE_PORT)."""
    raw = (env.get("RABBITMQ_NODE_PORT") or "").strip()
    return int(raw) if raw.isdigit() else RABBITMQ_DEFAULT_PORT


def _start_rabbitmq(server: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [server, "-detached"],
        env={**env, "RABBITMQ_NODE_IP_ADDRESS": env.get("RABBITMQ_NODE_IP_ADDRESS") or "127.0.0.1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=120,
    )
