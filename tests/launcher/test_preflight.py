"""make run's checks before starting: settings, ports, RabbitMQ, each one clear line."""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path

from scripts.launcher import preflight
from scripts.launcher.plan import build_plan
from tests.support.ports import free_port

GOOD_SECRET = "a-development-secret-that-is-long-enough-0123456789"


def test_a_taken_port_is_named_with_the_variable_that_moves_it(tmp_path: Path, taken_port: int) -> None:
    plan = build_plan({"NOTIFICATIONS_PORT": str(taken_port), "USERS_PORT": str(free_port())}, tmp_path)
    problems = preflight.port_problems(list(plan.subgraphs[:2]), plan.host)
    assert problems == [
        f"port {taken_port} (notifications) is already in use: stop what listens there (another `make run`?) "
        f"or choose another port, e.g. NOTIFICATIONS_PORT={taken_port + 1000 if taken_port + 1000 <= 65535 else taken_port - 1000} make run"
    ]


def test_one_settings_error_shared_by_every_service_is_shown_once(tmp_path: Path) -> None:
    plan = build_plan({"SECRET_KEY": "short"}, tmp_path)
    problems = preflight.settings_problems(plan, plan.router(tmp_path / "s.graphql").env)
    assert problems == [
        "users, notifications, recommendations, orders: configuration error: SECRET_KEY is too short: use at least 32 bytes"
    ]


def test_a_router_setting_is_checked_too(tmp_path: Path) -> None:
    plan = build_plan({"SECRET_KEY": GOOD_SECRET, "ROUTER_WORKERS": "many"}, tmp_path)
    problems = preflight.settings_problems(plan, plan.router(tmp_path / "s.graphql").env)
    assert problems == ["router: configuration error: ROUTER_WORKERS must be 'auto' or a number of processes, got 'many'"]


def test_broker_address_from_amqp_url_or_parts() -> None:
    assert preflight.broker_address({"AMQP_URL": "amqp://u:p@rabbit.internal:5673/%2F"}) == preflight.BrokerAddress("rabbit.internal", 5673)
    assert preflight.broker_address({"RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "5999"}) == preflight.BrokerAddress("127.0.0.1", 5999)
    assert preflight.broker_address({}) == preflight.BrokerAddress("localhost", 5672)


def test_a_reachable_broker_passes() -> None:
    # the suite's broker (tests need it anyway)
    assert preflight.ensure_broker({"RABBITMQ_HOST": "127.0.0.1"}, say=lambda _m: None) is None


def test_no_broker_and_no_local_server_gives_one_message_saying_how_to_get_one() -> None:
    port = free_port()
    message = preflight.ensure_broker({"RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": str(port)}, which=lambda _n: None)
    assert message is not None
    assert message.startswith(f"RabbitMQ is not reachable at 127.0.0.1:{port} and no local rabbitmq-server is installed.")
    assert "docker run -d --name rabbitmq -p 5672:5672" in message and "RABBITMQ_HOST" in message


def test_a_stopped_local_server_is_started() -> None:
    """The installed server's start command, faked by a listener that opens on the
    server's port (RABBITMQ_NODE_PORT, honoured by rabbitmq-server) a moment later."""
    port = free_port()
    started: list[str] = []
    sockets: list[socket.socket] = []

    def start(server: str, _env: object) -> subprocess.CompletedProcess[str]:
        started.append(server)

        def open_later() -> None:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen()
            sockets.append(sock)

        threading.Timer(0.5, open_later).start()
        return subprocess.CompletedProcess([server, "-detached"], 0, "", "")

    said: list[str] = []
    env = {"RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": str(port), "RABBITMQ_NODE_PORT": str(port)}
    try:
        assert preflight.ensure_broker(env, which=lambda _n: "/usr/sbin/rabbitmq-server", start=start, say=said.append) is None
    finally:
        for sock in sockets:
            sock.close()
    assert started == ["/usr/sbin/rabbitmq-server"]
    assert said[0].startswith(f"RabbitMQ is not running at 127.0.0.1:{port}: starting the local server")


def test_a_local_server_that_does_not_come_up_is_reported() -> None:
    port = free_port()
    env = {"RABBITMQ_HOST": "localhost", "RABBITMQ_PORT": str(port), "RABBITMQ_NODE_PORT": str(port)}

    def start(server: str, _env: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([server], 1, "ERROR: node with name \"rabbit\" is already running\n", "")

    message = preflight.ensure_broker(env, which=lambda _n: "/usr/sbin/rabbitmq-server", start=start, wait_seconds=1, say=lambda _m: None)
    assert message is not None and message.startswith(f"RabbitMQ did not come up at localhost:{port} within 1 s")
    assert 'node with name "rabbit" is already running' in message
