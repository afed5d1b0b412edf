"""The composition corpus: one YAML file per case (subgraph SDLs + Apollo's outcome)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from router.composition.compose import SubgraphInput

CASES_DIR = Path(__file__).parent / "cases"
ORACLE = Path(__file__).parent / "oracle.js"
NODE_MODULES = Path(__file__).resolve().parents[2] / "tools" / "node" / "node_modules"


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    subgraphs: tuple[SubgraphInput, ...]
    expected_ok: bool
    expected_errors: tuple[str, ...]


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        expected = data["expected"]
        cases.append(
            Case(
                name=path.stem,
                description=data.get("description", ""),
                subgraphs=tuple(
                    SubgraphInput(s["name"], s.get("url") or f"http://{s['name']}", s["sdl"]) for s in data["subgraphs"]
                ),
                expected_ok=bool(expected.get("ok")),
                expected_errors=tuple(sorted(expected.get("errors") or ())),
            )
        )
    return cases


def run_apollo(cases: list[Case]) -> dict[str, dict[str, Any]]:
    """Compose every case with @apollo/composition in a single node process."""
    node = shutil.which("node")
    if node is None or not NODE_MODULES.exists():
        raise RuntimeError("node and tools/node/node_modules are required (run `make node`)")
    payload = [[{"name": s.name, "url": s.url, "sdl": s.sdl} for s in case.subgraphs] for case in cases]
    proc = subprocess.run([node, str(ORACLE)], input=json.dumps(payload), capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"oracle failed: {proc.stderr}")
    return {case.name: result for case, result in zip(cases, json.loads(proc.stdout))}
