"""Command line: ``python -m router {serve,plan,compose,check}``.

Each subcommand lives with the stage it drives; this module only parses arguments
and dispatches, importing lazily so ``compose`` never pays for the server's imports.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# subcommand -> (module, help text); each module exposes ``add_arguments(parser)``
# and ``run(args) -> int``.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("router.server.cli", "serve a supergraph over GraphQL/HTTP"),
    "plan": ("router.planning.cli", "print the query plan of an operation"),
    "compose": ("router.composition.cli", "compose subgraph SDLs into a supergraph"),
    "check": ("router.check", "CI schema checks: composition, staleness, breaking changes"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m router")
    sub = parser.add_subparsers(dest="command", required=True)
    runners: dict[str, Callable[[argparse.Namespace], int]] = {}
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(command_parser)
            runners[name] = module.run
    args = parser.parse_args(argv)
    return runners[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
