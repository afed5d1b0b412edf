"""``python -m subgraphs.recommendations`` serves the subgraph."""

from __future__ import annotations

from subgraphs.common.main import run_service
from subgraphs.recommendations.app import SERVICE, definition

if __name__ == "__main__":
    run_service(definition, SERVICE)
