"""``make run`` and ``make demo`` as a user runs them: the launcher starts the whole system,
the walkthrough goes through the original workflow against it, Ctrl-C stops it all.

Free ports, a throwaway broker namespace and data directory, short intervals (as README
suggests for a quick demo) and the orders service on PostgreSQL through
``ORDERS_DATABASE_URL``, the others on SQLite files under DATA_DIR. A second start on
the same data finds the same customer and orders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import httpx
import pytest

from examples import walkthrough
from tests.conftest import TEST_SECRET_KEY
from tests.subgraphs.helpers import delete_namespace, new_namespace
from tests.support.databases import postgres_database
from tests.support.ports import free_port
from tests.support.process_tree import alive, descendants

pytestmark = [pytest.mark.system, pytest.mark.rabbitmq, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("users", "notifications", "recommendations", "orders")


@dataclass
class Launch:
    process: subprocess.Popen[bytes]
    log: Path
    env: Mapping[str, str]

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_up(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while "the system is up" not in self.output():
            assert self.process.poll() is None, f"make run exited with {self.process.returncode}:\n{self.output()}"
            assert time.monotonic() < deadline, f"make run not up after {timeout} s:\n{self.output()}"
            time.sleep(0.2)

    def interrupt(self) -> int:
        """Ctrl-C, as the terminal sends it, and the exit status."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"make run did not stop on Ctrl-C:\n{self.output()}") from None


def launch(env: Mapping[str, str], log: Path) -> Launch:
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run_all.py")],
            env=dict(env),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return Launch(process, log, env)


@pytest.fixture
def system_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    namespace = new_namespace()
    ports = {"ROUTER_PORT": free_port(), **{f"{name.upper()}_PORT": free_port() for name in SERVICES}}
    with postgres_database("make_run_orders") as orders_url:
        yield {
            **os.environ,
            **{key: str(port) for key, port in ports.items()},
            "SECRET_KEY": TEST_SECRET_KEY,
            "DATA_DIR": str(tmp_path / "data"),
            "ORDERS_DATABASE_URL": orders_url,
            "EVENT_NAMESPACE": namespace,
            "ORDER_STATUS_INTERVAL_SECONDS": "1",
            "RECOMMENDATION_INTERVAL_SECONDS": "2",
            "FAST_PASSWORD_HASHING": "true",
            "OUTBOX_POLL_SECONDS": "0.2",
            "ROUTER_WORKERS": "1",
        }
    delete_namespace(namespace)


def graphql(url: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(url, json={"query": query, "variables": variables or {}}, headers=headers, timeout=30).json()
    assert "errors" not in body, body
    return body["data"]


def login(router: str, email: str) -> str:
    query = "mutation($i: LoginInput!) { login(loginInput: $i) { token } }"
    return graphql(router, query, {"i": {"email": email, "password": walkthrough.PASSWORD}})["login"]["token"]


def test_make_run_then_demo_then_ctrl_c(system_env: dict[str, str], tmp_path: Path) -> None:
    env = system_env
    router = f"http://127.0.0.1:{env['ROUTER_PORT']}/graphql"
    data_dir = Path(env["DATA_DIR"])
    first = launch(env, tmp_path / "run1.log")
    try:
        first.wait_up()
        children = descendants(first.process.pid)
        # four subgraphs and the router, each in its own process group
        assert len(children) >= 5, first.output()

        shown = StringIO()
        outcome = walkthrough.run(
            walkthrough.Options(
                router_url=router,
                orders_url=f"http://127.0.0.1:{env['ORDERS_PORT']}/graphql",
                recommendations_url=f"http://127.0.0.1:{env['RECOMMENDATIONS_PORT']}/graphql",
            ),
            out=shown,
        )
        text = shown.getvalue()
        assert outcome.complete, text
        assert "order statuses advance every 1 s, recommendations are refreshed every 2 s (from the services' /health)" in text
    finally:
        status = first.interrupt()
    output = first.output()
    assert status == 0, output
    assert "Traceback" not in output
    assert "stopped; the data stays in" in output
    assert [pid for pid in children if alive(pid)] == [], "processes left behind after Ctrl-C"

    # What the walkthrough reported is what the system holds (checked on a second start:
    # the same data, found again).
    assert len(outcome.orders) == 3 and {o["status"] for o in outcome.orders} == {"placed"}
    assert set(outcome.statuses.values()) == {"delivered"}  # 1 s intervals: the whole lifecycle
    assert outcome.marked is not None and outcome.marked["read"] is True
    assert outcome.recommendations and outcome.recommendation_notifications
    assert sorted(p.name for p in data_dir.glob("*.db")) == ["notifications.db", "recommendations.db", "users.db"]

    second = launch(env, tmp_path / "run2.log")
    try:
        second.wait_up()
        token = login(router, outcome.email)
        me = graphql(router, "{ me { id orders { id status } } }", token=token)["me"]
        assert me["id"] == outcome.user_id
        assert sorted(o["id"] for o in me["orders"]) == sorted(o["id"] for o in outcome.orders)
        assert {o["status"] for o in me["orders"]} == {"delivered"}

        notifications = graphql(router, "{ userNotifications(first: 100) { id type content read } }", token=token)[
            "userNotifications"
        ]
        assert [n["id"] for n in notifications if n["read"]] == [outcome.marked["id"]]
        assert sum(1 for n in notifications if n["type"] == "order_update") == 3 * 4  # placed..delivered, each once

        names = {p["id"]: p["name"] for p in graphql(router, "{ products(first: 100) { id name } }")["products"]}
        recommendations = graphql(router, "{ recommendations(first: 50) { productId reason product { name } } }", token=token)[
            "recommendations"
        ]
        shown_names = {r["product"]["name"] for r in outcome.recommendations}
        assert shown_names and shown_names <= {r["product"]["name"] for r in recommendations}
        assert all(r["product"]["name"] == names[r["productId"]] for r in recommendations)
        announced = {n["content"] for n in notifications if n["type"] == "recommendation"}
        for shown_recommendation in outcome.recommendations:
            name, reason = shown_recommendation["product"]["name"], shown_recommendation["reason"]
            assert f"Recommended for you: {name}. {reason}." in announced
    finally:
        assert second.interrupt() == 0, second.output()
