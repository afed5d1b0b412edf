"""``make demo`` without a running system, and the walkthrough's own choices.

The walkthrough against the real system is tests/system/test_make_run.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from examples.walkthrough import Intervals, Options, lifecycle_seconds, pick_products, read_intervals
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_no_router_gives_one_clear_message() -> None:
    url = f"http://127.0.0.1:{free_port()}/graphql"
    result = subprocess.run(
        [sys.executable, "-m", "examples.walkthrough"],
        env={**os.environ, "ROUTER_URL": url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith(f"error: the router is not reachable at {url}")
    assert "`make run`" in line and "ROUTER_URL" in line


def test_unknown_intervals_fall_back_to_the_documented_defaults() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/graphql"
    assert read_intervals(Options(orders_url=nowhere, recommendations_url=nowhere)) == Intervals(30.0, 600.0, known=False)


def test_status_updates_take_at_most_one_and_a_half_intervals_then_one_each() -> None:
    assert lifecycle_seconds(30, 1) == 45  # the first update with the defaults
    assert lifecycle_seconds(2, 3) == 7  # placed -> delivered with a quick demo's 2 s


def test_the_basket_spans_three_categories() -> None:
    products = [
        {"id": 3, "name": "c", "category": "Books"},
        {"id": 1, "name": "a", "category": "Electronics"},
        {"id": 2, "name": "b", "category": "Electronics"},
        {"id": 5, "name": "e", "category": "Garden"},
        {"id": 4, "name": "d", "category": "Toys"},
    ]
    assert [p["id"] for p in pick_products(products)] == [1, 3, 4]
