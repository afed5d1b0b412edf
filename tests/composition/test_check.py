"""`python -m router check`: composition, staleness, API breaking changes, drift."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from graphql import build_schema

from router.check import run_checks
from router.composition.compose import compose
from router.composition.config import load_config, read_subgraphs
from router.composition.schema_diff import BREAKING, DANGEROUS, SAFE, diff_api_schemas, diff_auth
from tests.composition.test_cli import ORDERS, USERS, write_project

ROOT = Path(__file__).resolve().parents[2]


def committed_project(tmp_path: Path) -> tuple[Path, Path]:
    config = write_project(tmp_path)
    result = compose(read_subgraphs(load_config(config, env=None)))
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text((result.supergraph_sdl or "") + "\n")
    return config, supergraph


def check(config: Path, supergraph: Path, **kwargs) -> tuple[list[str], str]:
    out = io.StringIO()
    report = run_checks(config, supergraph, check_drift=False, out=out, **kwargs)
    return report.failures, out.getvalue()


def test_up_to_date_project_passes(tmp_path: Path) -> None:
    failures, output = check(*committed_project(tmp_path))
    assert failures == []
    assert "is up to date" in output and "no API schema changes" in output


def test_stale_supergraph_fails_with_a_diff(tmp_path: Path) -> None:
    config, supergraph = committed_project(tmp_path)
    (tmp_path / "orders.graphql").write_text(ORDERS.replace("orders: [Order!]!", "orders: [Order!]! total: Int"))
    failures, output = check(config, supergraph)
    assert failures == ["stale supergraph"]  # adding a field is safe
    assert "+  total: Int @join__field(graph: ORDERS)" in output
    assert "SAFE      FIELD_ADDED: User.total was added." in output


def test_breaking_change_fails_unless_allowed(tmp_path: Path) -> None:
    config, supergraph = committed_project(tmp_path)
    (tmp_path / "users.graphql").write_text(USERS.replace(" name: String", ""))
    failures, output = check(config, supergraph)
    assert failures == ["stale supergraph", "breaking changes"]
    assert "BREAKING  FIELD_REMOVED: Field User.name was removed." in output
    failures, _ = check(config, supergraph, allow_breaking=True)
    assert failures == ["stale supergraph"]


def test_composition_errors_fail_the_check(tmp_path: Path) -> None:
    config, supergraph = committed_project(tmp_path)
    (tmp_path / "orders.graphql").write_text(ORDERS.replace("type User", "interface User"))
    failures, output = check(config, supergraph)
    assert failures == ["composition"]
    assert "TYPE_KIND_MISMATCH" in output and "hint:" in output


def test_missing_committed_supergraph_fails(tmp_path: Path) -> None:
    config, supergraph = committed_project(tmp_path)
    supergraph.unlink()
    failures, output = check(config, supergraph)
    assert failures == ["stale supergraph"] and "does not exist" in output


def test_diff_classifies_breaking_dangerous_and_safe() -> None:
    old = build_schema("type Query { a: Int b(x: Int): String e: E } enum E { A B } input I { x: Int }")
    new = build_schema(
        'type Query { a: String b(x: Int, y: Int!): String e: E c: Int "doc" d: Int @deprecated } enum E { A B C } input I { x: Int z: Int }'
    )
    changes = {(c.level, c.kind) for c in diff_api_schemas(old, new)}
    assert (BREAKING, "FIELD_CHANGED_KIND") in changes
    assert (BREAKING, "REQUIRED_ARG_ADDED") in changes
    assert (DANGEROUS, "VALUE_ADDED_TO_ENUM") in changes
    assert (DANGEROUS, "OPTIONAL_INPUT_FIELD_ADDED") in changes
    assert (SAFE, "FIELD_ADDED") in changes


def test_new_auth_requirement_is_breaking_and_removal_is_safe(tmp_path: Path) -> None:
    base = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@authenticated"])
type Query { me: String open: String }
"""
    locked = base.replace("open: String", "open: String @authenticated")

    def supergraph(sdl: str) -> str:
        from router.composition.compose import SubgraphInput

        return compose([SubgraphInput("a", "http://a", sdl)]).supergraph_sdl or ""

    from router.supergraph import load_supergraph

    before, after = supergraph(base), supergraph(locked)
    added = diff_auth(before, after, load_supergraph(after).api_schema)
    assert [(c.level, c.kind) for c in added] == [(BREAKING, "AUTH_REQUIREMENT_ADDED")]
    removed = diff_auth(after, before, load_supergraph(before).api_schema)
    assert [(c.level, c.kind) for c in removed] == [(SAFE, "AUTH_REQUIREMENT_REMOVED")]


def test_subgraph_drift_is_detected(tmp_path: Path) -> None:
    """The project's subgraph code must serve what its schema.graphql says."""
    out = io.StringIO()
    project_config = load_config(ROOT / "supergraph.yaml", env=None)
    users = next(s for s in project_config.subgraphs if s.name == "users")
    copy = tmp_path / "subgraphs" / "users" / "schema.graphql"
    copy.parent.mkdir(parents=True)
    assert users.file is not None
    copy.write_text(users.file.read_text().replace("type Query {", "type Query {\n  stale: Int\n", 1))
    config = tmp_path / "supergraph.yaml"
    config.write_text(f"subgraphs:\n  users:\n    routing_url: http://x\n    schema:\n      file: {copy}\n")
    report = run_checks(config, tmp_path / "supergraph.graphql", out=out)
    assert "drift (users)" in report.failures
    assert "-  stale: Int" in out.getvalue()


def test_the_project_passes_its_own_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "router", "check"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
