"""``python -m router check``: the schema checks CI runs on every change.

1. the subgraphs in supergraph.yaml compose (errors printed with Apollo codes);
2. the committed supergraph.graphql is what composing produces now (else a diff);
3. the API schema change against the committed supergraph has no breaking change
   (unless --allow-breaking); every change is listed as breaking/dangerous/safe;
4. each subgraph's code still serves its committed schema.graphql.

The committed supergraph is composed with the config's defaults, never with
${env.X} overrides, so a developer's environment cannot make it look stale.
Exit code 0 only when every check passes.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from router.composition.compose import compose
from router.composition.config import ConfigError, SupergraphConfig, load_config, read_subgraphs
from router.composition.schema_diff import BREAKING, DANGEROUS, SAFE, SchemaChange, diff_api_schemas, diff_auth


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="supergraph.yaml", help="rover-format supergraph config")
    parser.add_argument("--supergraph", default="supergraph.graphql", help="the committed supergraph SDL")
    parser.add_argument("--allow-breaking", action="store_true", help="report breaking API changes without failing")
    parser.add_argument("--skip-drift", action="store_true", help="do not compare subgraph code with schema.graphql")


@dataclass
class CheckReport:
    failures: list[str] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def run(args: argparse.Namespace) -> int:
    try:
        report = run_checks(
            Path(args.config),
            Path(args.supergraph),
            allow_breaking=args.allow_breaking,
            check_drift=not args.skip_drift,
            out=sys.stdout,
        )
    except Exception as exc:  # noqa: BLE001 - CI output must stay readable
        print(f"schema check crashed ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return 1
    if report.ok:
        print("schema check passed")
        return 0
    print(f"schema check failed: {', '.join(report.failures)}", file=sys.stderr)
    return 1


def run_checks(
    config_path: Path,
    supergraph_path: Path,
    *,
    allow_breaking: bool = False,
    check_drift: bool = True,
    out: TextIO = sys.stdout,
) -> CheckReport:
    report = CheckReport()
    try:
        config = load_config(config_path, env=None)
    except ConfigError as exc:
        print(f"[config] {exc}", file=out)
        report.failures.append("config")
        return report

    if check_drift:
        _check_drift(config, report, out)

    try:
        inputs = read_subgraphs(config)
    except ConfigError as exc:
        print(f"[compose] {exc}", file=out)
        report.failures.append("subgraph schemas")
        return report
    result = compose(inputs)
    if not result.ok:
        print(f"[compose] composition failed with {len(result.errors)} error(s):", file=out)
        for error in result.errors:
            print("", file=out)
            print(error.format(), file=out)
        report.failures.append("composition")
        return report
    new_sdl = (result.supergraph_sdl or "") + "\n"
    print("[compose] subgraphs compose", file=out)

    committed = supergraph_path.read_text() if supergraph_path.exists() else None
    if committed is None:
        print(f"[stale] {supergraph_path} does not exist; run `make compose` and commit it", file=out)
        report.failures.append("stale supergraph")
        return report
    if committed.rstrip("\n") != new_sdl.rstrip("\n"):
        diff = difflib.unified_diff(
            committed.splitlines(keepends=True),
            new_sdl.splitlines(keepends=True),
            f"{supergraph_path} (committed)",
            f"{supergraph_path} (composed now)",
        )
        print(f"[stale] {supergraph_path} is out of date; run `make compose` and commit it:", file=out)
        out.writelines(diff)
        report.failures.append("stale supergraph")
    else:
        print(f"[stale] {supergraph_path} is up to date", file=out)

    _check_api_changes(committed, new_sdl, report, allow_breaking, out)
    return report


def _check_api_changes(committed: str, new_sdl: str, report: CheckReport, allow_breaking: bool, out: TextIO) -> None:
    from router.supergraph import SupergraphError, load_supergraph

    try:
        old = load_supergraph(committed)
    except SupergraphError as exc:
        print(f"[api] the committed supergraph cannot be read ({exc}); skipping the API diff", file=out)
        return
    try:
        new = load_supergraph(new_sdl)
    except SupergraphError as exc:
        print(f"[api] the router cannot read the composed supergraph: {exc}", file=out)
        report.failures.append("unreadable supergraph")
        return
    changes = diff_api_schemas(old.api_schema, new.api_schema) + diff_auth(committed, new_sdl, new.api_schema)
    report.changes = changes
    if not changes:
        print("[api] no API schema changes", file=out)
        return
    order = {BREAKING: 0, DANGEROUS: 1, SAFE: 2}
    print(f"[api] {len(changes)} API schema change(s):", file=out)
    for change in sorted(changes, key=lambda c: (order[c.level], c.kind, c.description)):
        print("  " + change.format(), file=out)
    breaking = [c for c in changes if c.level == BREAKING]
    if breaking and not allow_breaking:
        print(f"[api] {len(breaking)} breaking change(s); pass --allow-breaking if they are intended", file=out)
        report.failures.append("breaking changes")


def _check_drift(config: SupergraphConfig, report: CheckReport, out: TextIO) -> None:
    """Subgraph code vs committed schema.graphql, for subgraphs following the
    convention: file subgraphs/<name>/schema.graphql, module subgraphs.<name>.schema."""
    for source in config.subgraphs:
        if source.file is None or source.file.name != "schema.graphql" or source.file.parent.parent.name != "subgraphs":
            continue
        module_name = f"subgraphs.{source.file.parent.name}.schema"
        try:
            module = importlib.import_module(module_name)
            sdl = _service_sdl(module.schema)
        except Exception as exc:  # noqa: BLE001 - any import/exec failure is a failed check
            print(f"[drift] {source.name}: cannot load {module_name}: {type(exc).__name__}: {exc}", file=out)
            report.failures.append(f"drift ({source.name})")
            continue
        committed = source.file.read_text() if source.file.exists() else ""
        if committed.rstrip("\n") == sdl.rstrip("\n"):
            print(f"[drift] {source.name}: code matches {source.file.name}", file=out)
            continue
        print(
            f"[drift] {source.name}: the code no longer matches the committed schema; "
            f"run `python -m subgraphs.common.export_sdl {source.name}` and commit it:",
            file=out,
        )
        out.writelines(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                (sdl.rstrip("\n") + "\n").splitlines(keepends=True),
                f"subgraphs/{source.file.parent.name}/schema.graphql (committed)",
                f"{module_name} (code)",
            )
        )
        report.failures.append(f"drift ({source.name})")


def _service_sdl(schema: object) -> str:
    try:
        from subgraphs.common.sdl import service_sdl
    except ImportError:
        result = schema.execute_sync("{ _service { sdl } }")  # type: ignore[attr-defined]
        if result.errors:
            raise RuntimeError(result.errors[0].message) from None
        return str(result.data["_service"]["sdl"])
    return service_sdl(schema)  # type: ignore[arg-type]
