"""Settings from the environment and `python -m router serve` startup failures."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from router.config import ConfigError, load_config, subgraph_env_key
from router.gateway.engine import subgraph_timeouts, subgraph_url_overrides
from router.server.cli import SWITCHES, add_arguments, build_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_safe() -> None:
    config = load_config({})
    assert (config.host, config.port) == ("127.0.0.1", 8000)
    limits = config.limits
    assert limits.max_body_bytes == 2_000_000 and limits.max_tokens == 15_000
    assert limits.max_depth and limits.max_aliases and limits.max_root_fields and limits.max_fields
    assert config.csrf_prevention and config.auth.algorithm == "HS256"
    assert config.forward_headers == ("authorization",)


def test_environment_overrides() -> None:
    config = load_config(
        {
            "SUPERGRAPH_PATH": "sg.graphql",
            "ROUTER_HOST": "0.0.0.0",
            "ROUTER_PORT": "9100",
            "ROUTER_MAX_DEPTH": "off",
            "ROUTER_MAX_ALIASES": "5",
            "ROUTER_INTROSPECTION": "false",
            "ROUTER_MASK_SUBGRAPH_ERRORS": "yes",
            "ROUTER_SUBGRAPH_TIMEOUT": "2.5",
            "SUBGRAPH_TIMEOUT_USERS": "0.5",
            "SUBGRAPH_URL_USERS": "http://127.0.0.1:9001/graphql",
            "ROUTER_JWT_SCOPE_CLAIMS": "roles",
        }
    )
    assert config.supergraph_path == "sg.graphql"
    assert (config.host, config.port) == ("0.0.0.0", 9100)
    assert config.limits.max_depth is None and config.limits.max_aliases == 5
    assert config.introspection is False and config.mask_subgraph_errors is True
    assert config.subgraph_timeout == 2.5 and config.subgraph_timeouts == {"USERS": 0.5}
    assert config.auth.scope_claims == ("roles",)
    assert subgraph_url_overrides(config, ["users", "orders"]) == {"users": "http://127.0.0.1:9001/graphql"}
    assert subgraph_timeouts(config, ["users", "orders"]) == {"users": 0.5, "orders": 2.5}


def test_port_falls_back_to_generic_port_variable() -> None:
    assert load_config({"PORT": "8123"}).port == 8123
    assert load_config({"PORT": "8123", "ROUTER_PORT": "8124"}).port == 8124


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ROUTER_PORT": "http"}, "ROUTER_PORT must be an integer"),
        ({"ROUTER_MAX_DEPTH": "deep"}, "ROUTER_MAX_DEPTH must be an integer"),
        ({"ROUTER_INTROSPECTION": "maybe"}, "ROUTER_INTROSPECTION must be true or false"),
        ({"ROUTER_SUBGRAPH_TIMEOUT": "-1"}, "must be positive"),
        ({"ROUTER_GRAPHQL_PATH": "graphql"}, "must start with '/'"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(env)


def test_unknown_subgraph_override_is_an_error() -> None:
    config = load_config({"SUBGRAPH_URL_NOPE": "http://x"})
    with pytest.raises(ValueError, match="SUBGRAPH_URL_NOPE names no subgraph"):
        subgraph_url_overrides(config, ["users"])


def test_subgraph_env_key() -> None:
    assert subgraph_env_key("inventory-v2") == "INVENTORY_V2"


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "router", "serve", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def test_serve_without_supergraph_fails_with_a_clear_message() -> None:
    result = _serve()
    assert result.returncode == 2
    assert "no supergraph given" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_with_unreadable_or_invalid_supergraph_fails_cleanly(tmp_path: Path) -> None:
    for args in (("--supergraph", str(tmp_path / "missing.graphql")), (str(tmp_path / "missing.graphql"),)):
        result = _serve(*args)
        assert result.returncode == 1
        assert "cannot read supergraph" in result.stderr
    bad = tmp_path / "bad.graphql"
    bad.write_text("type Query { x: Int }")
    result = _serve("--supergraph", str(bad))
    assert result.returncode == 1
    assert "cannot load supergraph" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_short_secret(tmp_path: Path) -> None:
    result = _serve("--supergraph", "x.graphql", env={"SECRET_KEY": "short"})
    assert result.returncode == 2
    assert "SECRET_KEY is too short" in result.stderr


@pytest.mark.parametrize(("flag", "field"), [(flag, field) for flag, field, _ in SWITCHES])
def test_each_switch_overrides_the_environment_both_ways(
    flag: str, field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    variable = "ROUTER_" + field.upper()
    for environment, flag_given, expected in (("false", [], False), ("false", [flag], True),
                                              ("true", [], True), ("true", ["--no-" + flag[2:]], False)):
        monkeypatch.setenv(variable, environment)
        assert getattr(build_config(parser.parse_args(flag_given)), field) is expected, (variable, environment, flag_given)
