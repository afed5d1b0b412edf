"""Each service's own settings are validated at start-up: one clear line, exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from subgraphs.common.settings import SettingsError
from subgraphs.orders.app import parse_config as orders_config
from subgraphs.recommendations.jobs import parse_config as recommendations_config
from tests.conftest import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_documented_ones() -> None:
    assert orders_config({}).status_interval_seconds == 30
    config = recommendations_config({})
    assert (config.interval_seconds, config.per_order, config.per_refresh) == (600, 2, 3)


@pytest.mark.parametrize(
    ("parse", "env", "message"),
    [
        (orders_config, {"ORDER_STATUS_INTERVAL_SECONDS": "soon"}, "ORDER_STATUS_INTERVAL_SECONDS must be a number"),
        (orders_config, {"ORDER_STATUS_INTERVAL_SECONDS": "0"}, "ORDER_STATUS_INTERVAL_SECONDS must be >= 0.1"),
        (recommendations_config, {"RECOMMENDATION_INTERVAL_SECONDS": "-5"}, "RECOMMENDATION_INTERVAL_SECONDS must be >= 0.1"),
        (recommendations_config, {"RECOMMENDATIONS_PER_ORDER": "two"}, "RECOMMENDATIONS_PER_ORDER must be an integer"),
    ],
)
def test_bad_values_are_refused(parse, env: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match=message):
        parse(env)


@pytest.mark.parametrize(
    ("service", "variable"),
    [("orders", "ORDER_STATUS_INTERVAL_SECONDS"), ("recommendations", "RECOMMENDATION_INTERVAL_SECONDS")],
)
def test_a_bad_interval_stops_the_service_with_one_line(service: str, variable: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        variable: "every now and then",
    }
    result = subprocess.run(
        [sys.executable, "-m", f"subgraphs.{service}"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"{service}: configuration error: {variable} must be a number, got 'every now and then'"
