"""The committed SDL is what the code serves, and the service starts (or refuses to) as documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from subgraphs.common.sdl import service_sdl
from subgraphs.users.schema import schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_sdl_matches_the_code() -> None:
    committed = (ROOT / "subgraphs/users/schema.graphql").read_text()
    assert service_sdl(schema) == committed, "run: python -m subgraphs.common.export_sdl users"


def test_user_is_an_entity_with_an_integer_key() -> None:
    sdl = service_sdl(schema)
    assert 'type User @key(fields: "id")' in sdl
    assert "id: Int!" in sdl.split('type User @key(fields: "id")')[1].split("}")[0]


def test_missing_secret_fails_start_up_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "subgraphs.users"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SECRET_KEY is not set" in result.stderr


def test_uvicorn_import_path_also_validates_settings() -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "SECRET_KEY"}, "ALGORITHM": "HS256"}
    result = subprocess.run(
        [sys.executable, "-c", "import subgraphs.users.app as m; m.app"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
