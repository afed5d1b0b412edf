"""Differential fuzzing of the router against @apollo/gateway, for local soak runs.

    .venv/bin/python scripts/fuzz_router.py --graphs 200 --operations 25 [--seed 1] [--show 5] [--full]

Draws random federated graphs with deterministic subgraphs (tests/differential), runs
random operations through our router and through @apollo/gateway (tools/node) and
prints a summary: graphs composed, operations compared, differences by kind, and the
first few differences in full so they can be turned into regression tests. Seeds are
reproducible: ``--seed S --graphs 1`` replays graph S alone.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.differential.harness import DifferentialRunner  # noqa: E402


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graphs", type=int, default=100)
    parser.add_argument("--operations", type=int, default=25, help="operations per graph")
    parser.add_argument("--seed", type=int, default=1, help="first graph seed")
    parser.add_argument("--show", type=int, default=5, help="differences printed in full")
    parser.add_argument("--full", action="store_true", help="also print the subgraph SDLs of shown differences")
    parser.add_argument("--no-gateway", action="store_true", help="compare with the computed truth only (no Node)")
    parser.add_argument("--http", action="store_true", help="our router as `python -m router serve` (2 workers) over HTTP")
    parser.add_argument("--shrink", action="store_true", help="shrink the first wrong answer of our router per graph")
    parser.add_argument("--large", action="store_true", help="bigger graphs: 3-6 subgraphs, 4-8 entities")
    parser.add_argument("--no-fed1", action="store_true", help="only federation 2 subgraphs")
    parser.add_argument("--only", default=None, help="only show differences whose kind starts with this (ours, apollo, error)")
    args = parser.parse_args()

    runner = DifferentialRunner(gateway=not args.no_gateway, http=args.http)
    started = time.monotonic()
    composed = operations = 0
    kinds: collections.Counter[str] = collections.Counter()
    failing_seeds: list[int] = []
    oracle_errors: list[tuple[int, str]] = []
    harness_errors: list[tuple[int, str]] = []
    shown = 0
    try:
        for seed in range(args.seed, args.seed + args.graphs):
            try:
                outcome = await runner.run(
                    seed, args.operations, allow_fed1=not args.no_fed1, shrink_first=args.shrink, large=args.large
                )
            except Exception as error:  # noqa: BLE001 - a harness failure on one graph must not end the soak
                harness_errors.append((seed, repr(error)))
                continue
            if not outcome.composed:
                continue
            composed += 1
            operations += outcome.operations
            if outcome.oracle_error:
                oracle_errors.append((seed, outcome.oracle_error))
            if outcome.differences:
                failing_seeds.append(seed)
            for difference in outcome.differences:
                kinds[difference.kind] += 1
                if shown < args.show and (args.only is None or difference.kind.startswith(args.only)):
                    shown += 1
                    print(difference.report(full=args.full), end="\n\n")
    finally:
        runner.close()
    elapsed = time.monotonic() - started
    print(f"graphs drawn {args.graphs}, composed {composed}, operations compared {operations}, "
          f"subgraph requests {runner.host.requests}, {elapsed:.1f}s")
    print(f"differences: {sum(kinds.values())} " + (str(dict(kinds)) if kinds else ""))
    if failing_seeds:
        print("graph seeds with differences:", " ".join(map(str, failing_seeds)))
    for seed, error in harness_errors:
        print(f"harness failed on graph {seed}: {error[:300]}")
    for seed, error in oracle_errors:
        print(f"gateway could not serve graph {seed}: {error[:300]}")
    return 1 if any(kind.startswith("ours") for kind in kinds) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
