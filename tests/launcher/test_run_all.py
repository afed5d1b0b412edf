"""``make run`` refusing to start: one clear line, a non-zero exit, no traceback, nothing
left running. Each case fails in the checks, before any service starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_SECRET_KEY
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def run_all(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    ports = {f"{name}_PORT": str(free_port()) for name in ("ROUTER", "USERS", "NOTIFICATIONS", "RECOMMENDATIONS", "ORDERS")}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "run_all.py")],
        env={**os.environ, **ports, "SECRET_KEY": TEST_SECRET_KEY, "DATA_DIR": str(tmp_path / "data"), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stdout + result.stderr
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_port_in_use(tmp_path: Path, taken_port: int) -> None:
    result = run_all(tmp_path, ORDERS_PORT=str(taken_port))
    assert result.returncode == 1
    [line] = errors(result)
    assert line.startswith(f"make run: error: port {taken_port} (orders) is already in use")
    assert "ORDERS_PORT=" in line
    assert not (tmp_path / "data").exists()  # refused before doing anything


def test_broker_missing(tmp_path: Path) -> None:
    port = free_port()
    result = run_all(tmp_path, RABBITMQ_HOST="127.0.0.1", RABBITMQ_PORT=str(port))
    assert result.returncode == 1
    [line] = errors(result)
    assert line.startswith(f"make run: error: RabbitMQ is not reachable at 127.0.0.1:{port}")
    assert "docker run" in line and "make run" in line


def test_bad_secret_key(tmp_path: Path) -> None:
    # Exported, it wins over .env.local; every service would refuse it: said once.
    result = run_all(tmp_path, SECRET_KEY="too-short")
    assert result.returncode == 2
    [line] = errors(result)
    assert line == (
        "make run: error: users, notifications, recommendations, orders: configuration error: "
        "SECRET_KEY is too short: use at least 32 bytes"
    )


def test_a_service_setting_error_surfaces_as_the_service_says_it(tmp_path: Path) -> None:
    result = run_all(tmp_path, ORDER_STATUS_INTERVAL_SECONDS="soon")
    assert result.returncode == 1
    lines = errors(result)
    said = "orders: configuration error: ORDER_STATUS_INTERVAL_SECONDS must be a number, got 'soon'"
    assert said in lines  # as the service printed it, among the others' logs
    failure = [line for line in lines if line.startswith("make run: error:")]
    assert failure == [f"make run: error: orders stopped during start-up (exit status 2): {said}"]
    assert "make run: stopped; the data stays in" in result.stdout
