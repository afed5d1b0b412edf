"""Router benchmark against its peers (`make bench`): same graph, same load, same machine, same run.

Scenarios:

- ``guild``: The Guild's graphql-gateways-benchmark (github.com/graphql-hive/graphql-gateways-benchmark)
  reproduced with our code: its four subgraphs' SDL and data behind a memo server that answers
  repeated bodies from memory, the supergraph composed once by our composer, its large nested
  query, 50 connections.
- ``ours``: our own supergraph with the real subgraphs (SQLite, RabbitMQ) and one customer's
  page queried with a JWT.

Each gateway runs alone, pinned to the gateway CPU (``taskset``), while the subgraphs, the load
generator (wrk with bench/check.lua) and this script share the other CPU. Every gateway's answer
is checked as full JSON before the run, sampled during it and checked after it, and the load
generator counts every answer that differs from the verified bytes. Figures that compare are
the ratios to our router measured in the same run; absolute figures move with the machine.

    .venv/bin/python -m bench.run [--scenario guild|ours|all] [--gateways ours,apollo,...]
        [--duration 15] [--warmup 5] [--rounds 1] [--connections 50] [--workers 1]
        [--compare CHECKOUT] [--json FILE] [--no-pin | --gateway-cpus 0 --load-cpus 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import gateways as gw
from bench.load import WRK_HOWTO, find_wrk
from bench.measure import Measurement, Settings, measure
from bench.procs import Pinning, Processes, terminate_on_signals
from bench.report import format_table, reference_rps, rows
from bench.scenario import Prepared, ScenarioUnavailable


def _scenarios() -> dict[str, Callable[[Processes, Pinning, Path], Prepared]]:
    from bench.guild import scenario as guild
    from bench.ours import scenario as ours

    return {"guild": guild.prepare, "ours": ours.prepare}


def say(message: str) -> None:
    print(message, flush=True)


def ensure_node_modules() -> str | None:
    """Install the Node peers into bench/node_modules once (npm ci); a reason when they cannot run."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not found: the Node peers (apollo, hive-*) are skipped (install Node.js >= 20)"
    stamp = gw.NODE_MODULES / ".bench-installed"
    lock = gw.BENCH_DIR / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return None
    say("installing the Node peers into bench/node_modules (npm ci; first run only, about a minute)")
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=gw.BENCH_DIR,
                          capture_output=True, text=True)
    if done.returncode != 0:
        return f"npm ci failed in bench/, the Node peers are skipped:\n{done.stderr.strip()[-2000:]}"
    stamp.touch()
    return None


def select_gateways(requested: str | None, prepared: Prepared, args: argparse.Namespace,
                    notes: dict[str, str]) -> list[str]:
    if requested in (None, "default"):
        names = [n for n in prepared.default_gateways if n != "compare" or args.compare]
    elif requested == "all":
        names = [n for n in gw.GATEWAYS if n != "compare" or args.compare]
    else:
        names = gw.expand(requested)
    chosen = []
    for name in names:
        if name in notes:
            say(f"  - {name}: skipped, {notes[name]}")
        else:
            chosen.append(name)
    return chosen


def availability(args: argparse.Namespace, wanted: set[str]) -> dict[str, str]:
    """Gateways that cannot run here, with the reason."""
    notes: dict[str, str] = {}
    if any(gw.GATEWAYS[n].needs_node for n in wanted):
        reason = ensure_node_modules()
        if reason:
            notes.update({n: reason for n in wanted if gw.GATEWAYS[n].needs_node})
    if "ours-nodedup" in wanted and not gw.router_supports("--no-dedupe-requests"):
        notes["ours-nodedup"] = "this router has no --no-dedupe-requests switch"
    if "compare" in wanted and args.compare is None:
        notes["compare"] = "needs --compare CHECKOUT"
    return notes


def run_scenario(name: str, prepared: Prepared, names: list[str], args: argparse.Namespace, procs: Processes,
                 pinning: Pinning, workdir: Path, wrk: str | None) -> dict[str, list[Measurement]]:
    ctx = gw.LaunchContext(
        procs=procs, pinning=pinning, supergraph=prepared.supergraph, peer_supergraph=prepared.peer_supergraph,
        answer=prepared.answer, workers=args.workers, compare=args.compare, forward_auth=prepared.forward_auth,
        env=prepared.env,
    )
    settings = Settings(args.connections, args.duration, args.warmup, wrk, workdir)
    results: dict[str, list[Measurement]] = {n: [] for n in names}
    for round_ in range(args.rounds):
        order = names if round_ % 2 == 0 else list(reversed(names))  # drift on a shared box hits all alike
        for gateway_name in order:
            prefix = f"[{name} {gateway_name}" + (f" round {round_ + 1}/{args.rounds}]" if args.rounds > 1 else "]")
            say(f"{prefix} starting: {gw.GATEWAYS[gateway_name].description}")
            m = measure(gw.GATEWAYS[gateway_name], ctx, prepared, settings, lambda msg, p=prefix: say(f"{p} {msg}"))
            results[gateway_name].append(m)
            if m.load:
                say(f"{prefix} {m.load.rps:,.0f} req/s, p50 {m.load.p50_ms:.1f} ms, p99 {m.load.p99_ms:.1f} ms, "
                    f"{m.load.errors} errors, peak RSS {m.peak_rss / 2**20:,.0f} MB")
            for problem in m.problems:
                say(f"{prefix} ! {problem}")
    return results


def _heading(name: str, prepared: Prepared, args: argparse.Namespace, pinning: Pinning, wrk: str | None,
             elapsed: float) -> str:
    pin_text = (f"gateway on CPU {pinning.gateway}, subgraphs + load generator on CPU {pinning.load}"
                if pinning.gateway else "no CPU pinning")
    return (f"\n## {name}: {prepared.title}\n{args.connections} connections, {args.duration:g}s measured after "
            f"{args.warmup:g}s warm-up, {args.rounds} round(s) (median), {pin_text}, "
            f"{'wrk' if wrk else 'Python generator'}; our router with --workers {args.workers} ({elapsed:.0f}s)\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["guild", "ours", "all"], default="guild")
    parser.add_argument("--gateways", help="comma-separated, 'default' or 'all'; known: "
                        f"{', '.join(gw.GATEWAYS)}; groups: {', '.join(gw.GROUPS)}")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per gateway and round")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds before each measurement")
    parser.add_argument("--rounds", type=int, default=1, help="measurements per gateway (median reported)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent keep-alive connections")
    parser.add_argument("--workers", default="1", help="serving processes of our router (N or auto)")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="also measure the router of another checkout (e.g. a git worktree of an older commit)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    parser.add_argument("--gateway-cpus", help="taskset CPU list for the gateway (default: the first usable CPU)")
    parser.add_argument("--load-cpus", help="CPU list for subgraphs and load generator (default: the second)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, supergraphs)")
    args = parser.parse_args(argv)
    if args.gateways not in (None, "default", "all"):
        unknown = [n for n in gw.expand(args.gateways) if n not in gw.GATEWAYS]
        if unknown:
            parser.error(f"unknown gateways {unknown}; known: {', '.join([*gw.GATEWAYS, *gw.GROUPS])}")
    if args.compare is not None:
        args.compare = args.compare.resolve()
        if not (args.compare / "router" / "__main__.py").is_file():
            parser.error(f"--compare {args.compare}: no router/ package there")
    if args.duration < 1 or args.connections < 1 or args.rounds < 1:
        parser.error("--duration, --connections and --rounds must be at least 1")

    pinning, pin_note = Pinning.choose(args.gateway_cpus, args.load_cpus, not args.no_pin)
    if pin_note:
        say(f"note: {pin_note}")
    pinning.pin_self()
    wrk = find_wrk()
    if wrk is None:
        say(f"note: {WRK_HOWTO}")
    scenarios = ["guild", "ours"] if args.scenario == "all" else [args.scenario]
    wanted = set(gw.GATEWAYS) if args.gateways in (None, "default", "all") else set(gw.expand(args.gateways))
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    procs = Processes(workdir)
    failed = False
    document: dict[str, Any] = {"settings": {
        "duration_s": args.duration, "warmup_s": args.warmup, "rounds": args.rounds, "connections": args.connections,
        "workers": args.workers, "gateway_cpus": pinning.gateway, "load_cpus": pinning.load,
        "generator": "wrk" if wrk else "python", "cpus": os.cpu_count()}, "scenarios": {}}
    tables: list[str] = []
    try:
        with terminate_on_signals():
            notes = availability(args, wanted)
            for name in scenarios:
                scenario_dir = workdir / name
                procs.logs = scenario_dir / "logs"
                procs.logs.mkdir(parents=True)
                say(f"[{name}] preparing the subgraphs and the supergraph")
                try:
                    prepared = _scenarios()[name](procs, pinning, scenario_dir)
                except ScenarioUnavailable as error:
                    say(f"[{name}] skipped: {error}")
                    failed = True
                    continue
                try:
                    names = select_gateways(args.gateways, prepared, args, notes)
                    started = time.monotonic()
                    results = run_scenario(name, prepared, names, args, procs, pinning, scenario_dir, wrk)
                finally:
                    prepared.cleanup()
                table = rows(results)
                heading = _heading(name, prepared, args, pinning, wrk, time.monotonic() - started)
                tables.append(heading + format_table(table))
                reference = reference_rps(table)
                document["scenarios"][name] = {"title": prepared.title,
                                               "rows": [row.as_dict(reference) for row in table]}
                failed |= any(row.problems or any(m.load and m.load.wrong for m in row.rounds) for row in table)
    except KeyboardInterrupt:
        say("\ninterrupted: stopping everything the bench started")
        failed = True
    finally:
        procs.stop_all()
    for table_text in tables:
        print(table_text)
    if args.json:
        args.json.write_text(json.dumps(document, indent=2))
        say(f"\nresults written to {args.json}")
    if args.keep or failed:
        say(f"\nwork directory (logs, supergraphs, answers): {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
