"""Write each subgraph's committed ``schema.graphql`` from its code.

``python -m subgraphs.common.export_sdl [name ...]`` (default: every subgraph that has a
``schema`` module). The drift tests and ``python -m router check`` fail until this has
been run after a schema change.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from subgraphs.common.sdl import service_sdl

SUBGRAPHS = ("users", "orders", "notifications", "recommendations")
ROOT = Path(__file__).resolve().parents[1]


def export(name: str) -> Path:
    module = importlib.import_module(f"subgraphs.{name}.schema")
    path = ROOT / name / "schema.graphql"
    path.write_text(service_sdl(module.schema))
    return path


def main(names: list[str]) -> int:
    for name in names or SUBGRAPHS:
        try:
            path = export(name)
        except ModuleNotFoundError as exc:
            if names:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            continue
        print(f"wrote {path.relative_to(ROOT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
