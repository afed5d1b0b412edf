"""Which supergraph the router serves: the committed one, or a fresh composition.

The subgraph schemas (supergraph.yaml -> subgraphs/*/schema.graphql) are composed on
every start (a fraction of a second) with the config's defaults, exactly as
``python -m router check`` composes them, and compared with the committed
supergraph.graphql. Identical: the router serves the committed file. Missing or stale
(a schema changed without ``make compose``): the router serves the fresh composition
from the data directory, and the committed file is left alone for ``make compose`` and
review, so ``make run`` never rewrites a tracked file.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

COMMITTED = "supergraph.graphql"
CONFIG = "supergraph.yaml"


class SupergraphError(Exception):
    """The subgraphs do not compose; the message carries the composer's report."""


@dataclass(frozen=True)
class Choice:
    path: Path
    note: str | None  # why the committed file is not served, if it is not


Runner = Callable[[Sequence[str], Path], subprocess.CompletedProcess[str]]


def _run(command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


def choose_supergraph(root: Path, data_dir: Path, python: str = sys.executable, run: Runner = _run) -> Choice:
    composed = data_dir / COMMITTED
    command = [python, "-m", "router", "compose", "--config", str(root / CONFIG), "--no-env", "--output", str(composed)]
    result = run(command, root)
    if result.returncode != 0:
        report = (result.stderr or result.stdout or "").strip()
        raise SupergraphError(f"the subgraph schemas do not compose (python -m router compose):\n{report}")
    committed = root / COMMITTED
    fresh = composed.read_text()
    if not committed.exists():
        return Choice(composed, f"{COMMITTED} is missing: serving a fresh composition ({composed}); `make compose` writes it")
    if committed.read_text().rstrip("\n") == fresh.rstrip("\n"):
        composed.unlink()
        return Choice(committed, None)
    return Choice(
        composed,
        f"{COMMITTED} is out of date with subgraphs/*/schema.graphql: serving a fresh composition ({composed}); "
        f"`make compose` updates the committed file",
    )
