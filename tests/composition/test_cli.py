"""`python -m router compose` and the supergraph.yaml reader, as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from router.composition.config import ConfigError, expand_env, load_config, read_subgraphs
from tests.support.servers import serve_app

ROOT = Path(__file__).resolve().parents[2]

USERS = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { me: User }
type User @key(fields: "id") { id: ID! name: String }
"""
ORDERS = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type User @key(fields: "id") { id: ID! orders: [Order!]! }
type Order { id: ID! }
"""
BROKEN = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type User @key(fields: "id") { id: ID! name: String }
"""


def write_project(tmp_path: Path, orders: str = ORDERS) -> Path:
    (tmp_path / "users.graphql").write_text(USERS)
    (tmp_path / "orders.graphql").write_text(orders)
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        """federation_version: =2.3.0
subgraphs:
  users:
    routing_url: ${env.USER_SERVICE_URL:-http://localhost:8001/graphql}
    schema:
      file: users.graphql
  orders:
    routing_url: ${env.ORDER_SERVICE_URL:-http://localhost:8004/graphql}
    schema:
      file: ./orders.graphql
"""
    )
    return config


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "router", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=120,
    )


def test_expand_env_uses_environment_then_default() -> None:
    text = "${env.A:-http://a} ${env.B:-x:1} ${env.C}"
    assert expand_env(text, {"A": "http://override", "C": "c"}) == "http://override x:1 c"
    assert expand_env("${env.A:-http://a}", None) == "http://a"
    with pytest.raises(ConfigError, match="C is not set"):
        expand_env("${env.C}", {})


def test_compose_writes_a_deterministic_supergraph(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    out1, out2 = tmp_path / "one.graphql", tmp_path / "two.graphql"
    first = run_cli("compose", "--config", str(config), "--output", str(out1))
    second = run_cli("compose", "--config", str(config), "--output", str(out2))
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    text = out1.read_text()
    assert text == out2.read_text()
    assert 'USERS @join__graph(name: "users", url: "http://localhost:8001/graphql")' in text
    assert "orders: [Order!]! @join__field(graph: ORDERS)" in text


def test_routing_urls_come_from_environment_unless_no_env(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    env = {"USER_SERVICE_URL": "http://users:8001/graphql"}
    with_env = run_cli("compose", "--config", str(config), env=env)
    assert with_env.returncode == 0, with_env.stderr
    assert 'url: "http://users:8001/graphql"' in with_env.stdout
    without = run_cli("compose", "--config", str(config), "--no-env", env=env)
    assert 'url: "http://localhost:8001/graphql"' in without.stdout


def test_composition_errors_exit_1_with_code_subgraphs_element_and_hint(tmp_path: Path) -> None:
    config = write_project(tmp_path, orders=BROKEN)
    result = run_cli("compose", "--config", str(config))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "INVALID_FIELD_SHARING [subgraphs orders, users; User.name]" in result.stderr
    assert "hint: mark the field @shareable" in result.stderr


def test_missing_schema_file_is_a_clear_config_error(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    (tmp_path / "orders.graphql").unlink()
    result = run_cli("compose", "--config", str(config))
    assert result.returncode == 2
    assert "subgraph 'orders': schema file" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_config_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("subgraphs:\n  users:\n    routing_url: http://x\n")
    with pytest.raises(ConfigError, match="needs a `schema`"):
        load_config(bad)
    bad.write_text("federation_version: =1\nsubgraphs:\n  a:\n    routing_url: x\n    schema:\n      file: a.graphql\n")
    with pytest.raises(ConfigError, match="not supported"):
        load_config(bad)
    result = run_cli("compose", "--config", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2 and "not found" in result.stderr


def test_schema_from_subgraph_url(tmp_path: Path) -> None:
    async def service(request):  # a subgraph answering { _service { sdl } }
        body = await request.json()
        assert "_service" in body["query"]
        return JSONResponse({"data": {"_service": {"sdl": USERS}}})

    with serve_app(Starlette(routes=[Route("/graphql", service, methods=["POST"])])) as server:
        config = tmp_path / "supergraph.yaml"
        config.write_text(
            f"subgraphs:\n  users:\n    routing_url: http://users/graphql\n    schema:\n      subgraph_url: {server.url}/graphql\n"
        )
        [subgraph] = read_subgraphs(load_config(config))
    assert subgraph.sdl == USERS and subgraph.url == "http://users/graphql"


def test_unreachable_subgraph_url_is_a_config_error(tmp_path: Path) -> None:
    from tests.support.ports import free_port

    config = tmp_path / "supergraph.yaml"
    config.write_text(
        f"subgraphs:\n  users:\n    routing_url: http://x\n    schema:\n      subgraph_url: http://127.0.0.1:{free_port()}/graphql\n"
    )
    with pytest.raises(ConfigError, match="cannot reach"):
        read_subgraphs(load_config(config))


def test_project_supergraph_yaml_lists_the_four_subgraphs() -> None:
    config = load_config(ROOT / "supergraph.yaml", env=None)
    assert [(s.name, s.routing_url) for s in config.subgraphs] == [
        ("users", "http://localhost:8001/graphql"),
        ("notifications", "http://localhost:8002/graphql"),
        ("recommendations", "http://localhost:8003/graphql"),
        ("orders", "http://localhost:8004/graphql"),
    ]
    assert all(s.file is not None and s.file.name == "schema.graphql" for s in config.subgraphs)
