"""Supergraph hot reload: a changed file is swapped in; a broken one leaves the old graph serving."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

import router.server.app as app_module
from router.server.app import create_app
from tests.router_server.conftest import make_config
from tests.router_server.local_engine import LocalEngine
from tests.support.servers import serve_app


def _engine_from_file(config):  # type: ignore[no-untyped-def]
    sdl = Path(config.supergraph_path).read_text()
    return LocalEngine(sdl, {"version": 1, "added": "new"})


def _wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.05)


def test_changed_supergraph_is_served_and_a_broken_one_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "RELOAD_POLL_SECONDS", 0.05)
    path = tmp_path / "supergraph.graphql"
    path.write_text("type Query { version: Int }")
    config = make_config(supergraph_path=str(path), hot_reload=True)
    app = create_app(config, engine_factory=_engine_from_file)
    with serve_app(app) as server:
        client = httpx.Client(base_url=server.url)

        def ask() -> dict:
            return client.post("/graphql", json={"query": "{ version added }"}).json()

        assert ask()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        path.write_text("type Query { version: Int added: String }")
        os.utime(path, (time.time() + 5, time.time() + 5))
        _wait_for(lambda: "data" in ask())
        assert ask() == {"data": {"version": 1, "added": "new"}}
        first_engine = app.state.runtime.engine

        path.write_text("type Query { broken")
        os.utime(path, (time.time() + 10, time.time() + 10))
        time.sleep(0.5)  # ten poll intervals: the broken file has been seen and refused
        assert app.state.runtime.reloads == 1
        assert app.state.runtime.engine is first_engine
        assert ask() == {"data": {"version": 1, "added": "new"}}
        assert client.get("/health").status_code == 200
