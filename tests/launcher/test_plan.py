"""make run's plan: ports, storage under DATA_DIR or a per-service database URL, the URLs
the router is given, and the environment every process inherits."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.launcher.plan import PlanError, build_plan, describe_database, ignored_settings, merged_environment


def by_name(plan_parts: tuple) -> dict:
    return {part.name: part for part in plan_parts}


def test_defaults_are_the_original_ports_and_sqlite_files_under_data(tmp_path: Path) -> None:
    plan = build_plan({"SECRET_KEY": "x" * 40}, tmp_path)
    parts = by_name(plan.subgraphs)
    assert [(p.name, p.port) for p in plan.subgraphs] == [
        ("users", 8001), ("notifications", 8002), ("recommendations", 8003), ("orders", 8004),
    ]
    assert plan.router(tmp_path / "s.graphql").port == 8000
    assert plan.data_dir == tmp_path / "data"
    assert parts["orders"].env["DATABASE_URL"] == f"sqlite:///{(tmp_path / 'data').resolve()}/orders.db"
    assert parts["users"].env["PORT"] == "8001" and parts["users"].env["HOST"] == "127.0.0.1"
    assert describe_database(parts["orders"].database_url or "", tmp_path) == "data/orders.db"


def test_data_dir_and_a_database_url_per_service(tmp_path: Path) -> None:
    env = {
        "DATA_DIR": str(tmp_path / "elsewhere"),
        "ORDERS_DATABASE_URL": "postgresql://shop:secret@127.0.0.1:5432/orders",
        "DATABASE_URL": "sqlite:///one-for-all.db",  # would make every service share one database
    }
    parts = by_name(build_plan(env, tmp_path).subgraphs)
    assert parts["orders"].env["DATABASE_URL"] == "postgresql://shop:secret@127.0.0.1:5432/orders"
    assert parts["users"].env["DATABASE_URL"] == f"sqlite:///{(tmp_path / 'elsewhere').resolve()}/users.db"
    assert describe_database(parts["orders"].env["DATABASE_URL"], tmp_path) == "postgresql://shop:***@127.0.0.1:5432/orders"
    assert any("DATABASE_URL is ignored" in note and "ORDERS_DATABASE_URL" in note for note in ignored_settings(env))


def test_every_setting_reaches_every_process_and_the_router_finds_moved_subgraphs(tmp_path: Path) -> None:
    env = {"ORDER_STATUS_INTERVAL_SECONDS": "2", "ORDERS_PORT": "9104", "ROUTER_PORT": "9100", "HOST": "0.0.0.0"}
    plan = build_plan(env, tmp_path)
    router = plan.router(tmp_path / "s.graphql")
    assert all(part.env["ORDER_STATUS_INTERVAL_SECONDS"] == "2" for part in (*plan.subgraphs, router))
    assert router.env["SUBGRAPH_URL_ORDERS"] == "http://127.0.0.1:9104/graphql"
    assert router.env["SUBGRAPH_URL_USERS"] == "http://127.0.0.1:8001/graphql"
    assert router.args[-4:] == ("--host", "0.0.0.0", "--port", "9100")
    assert router.health_url == "http://127.0.0.1:9100/health"  # a wildcard host is reached on loopback


def test_a_subgraph_url_set_by_the_caller_wins(tmp_path: Path) -> None:
    plan = build_plan({"SUBGRAPH_URL_USERS": "http://users.internal/graphql"}, tmp_path)
    assert plan.router(tmp_path / "s.graphql").env["SUBGRAPH_URL_USERS"] == "http://users.internal/graphql"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"USERS_PORT": "eighty"}, "USERS_PORT must be a port number, got 'eighty'"),
        ({"ROUTER_PORT": "70000"}, "ROUTER_PORT must be between 1 and 65535, got 70000"),
        ({"ORDERS_PORT": "8001"}, "USERS_PORT and ORDERS_PORT are both 8001"),
    ],
)
def test_unusable_ports_are_refused(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        build_plan(env, tmp_path)


def test_exported_values_win_over_env_local() -> None:
    merged = merged_environment({"SECRET_KEY": "exported", "EMPTY": ""}, {"SECRET_KEY": "file", "EMPTY": "file", "X": "1"})
    assert merged == {"SECRET_KEY": "exported", "EMPTY": "file", "X": "1"}
