"""``python -m router compose``: supergraph.yaml in, supergraph SDL out.

Exit codes: 0 composed, 1 composition errors (each printed with its Apollo code,
subgraphs, element and a hint), 2 unusable configuration or schema source.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from router.composition.compose import CompositionResult, compose
from router.composition.config import ConfigError, load_config, read_subgraphs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="supergraph.yaml", help="rover-format supergraph config (default: supergraph.yaml)")
    parser.add_argument("--output", "-o", default="-", help="where to write the supergraph SDL (default: stdout)")
    parser.add_argument(
        "--no-env",
        action="store_true",
        help="ignore ${env.X:-default} overrides and use the defaults (what the committed supergraph uses)",
    )
    parser.add_argument("--skip-satisfiability", action="store_true", help="skip the (slower) satisfiability validation")
    parser.add_argument("--hints", action="store_true", help="also print composition hints")


def compose_from_config(config_path: str | Path, use_env: bool = True, satisfiability: bool = True) -> CompositionResult:
    config = load_config(config_path, os.environ if use_env else None)
    return compose(read_subgraphs(config), check_satisfiability=satisfiability)


def print_errors(result: CompositionResult, stream=sys.stderr) -> None:
    count = len(result.errors)
    print(f"composition failed with {count} error{'s' if count != 1 else ''}:", file=stream)
    for error in result.errors:
        print("", file=stream)
        print(error.format(), file=stream)


def run(args: argparse.Namespace) -> int:
    try:
        result = compose_from_config(args.config, use_env=not args.no_env, satisfiability=not args.skip_satisfiability)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a composer bug must still end in a readable message
        print(f"internal composer error ({type(exc).__name__}: {exc}); please report it with the subgraph SDLs", file=sys.stderr)
        return 1
    if args.hints:
        for hint in result.hints:
            print(f"hint {hint.code}: {hint.message}", file=sys.stderr)
    if not result.ok:
        print_errors(result)
        return 1
    assert result.supergraph_sdl is not None
    text = result.supergraph_sdl + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
