"""The printed table (and the --json document) from the measurements of a scenario's rounds."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from bench.measure import Measurement

REFERENCE = "ours"


@dataclass
class Row:
    gateway: str
    rounds: list[Measurement]

    @property
    def timed(self) -> list[Measurement]:
        return [m for m in self.rounds if m.load is not None]

    @property
    def median(self) -> Measurement | None:
        """The round with the median throughput (its latencies are reported with it)."""
        timed = sorted(self.timed, key=lambda m: m.load.rps if m.load else 0.0)
        return timed[(len(timed) - 1) // 2] if timed else None

    @property
    def rps(self) -> float | None:
        median = self.median
        return median.load.rps if median and median.load else None

    @property
    def errors(self) -> int:
        return sum(m.load.errors for m in self.timed if m.load)

    @property
    def problems(self) -> list[str]:
        return [p for m in self.rounds for p in m.problems]

    def _median_of(self, values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    def as_dict(self, reference: float | None) -> dict[str, Any]:
        median = self.median
        return {
            "gateway": self.gateway,
            "rps": self.rps,
            "ratio_to_ours": self.rps / reference if self.rps is not None and reference else None,
            "p50_ms": median.load.p50_ms if median and median.load else None,
            "p99_ms": median.load.p99_ms if median and median.load else None,
            "errors": self.errors,
            "peak_rss_bytes": max((m.peak_rss for m in self.rounds), default=0),
            "cpu_ms_per_request": self._median_of([m.cpu_ms_per_request for m in self.timed]),
            "subgraph_calls_per_request": self._median_of([m.subgraph_calls_per_request for m in self.timed]),
            "rounds": [m.as_dict() for m in self.rounds],
            "problems": self.problems,
        }


def rows(measurements: dict[str, list[Measurement]]) -> list[Row]:
    return [Row(name, rounds) for name, rounds in measurements.items()]


def reference_rps(table: list[Row]) -> float | None:
    return next((row.rps for row in table if row.gateway == REFERENCE), None)


def _error_text(row: Row) -> str:
    if not row.timed:
        return "-"
    loads = [m.load for m in row.timed if m.load]
    wrong = sum(x.wrong for x in loads)
    non2xx = sum(x.non2xx for x in loads)
    sockets = sum(x.socket_errors for x in loads)
    total = wrong + non2xx + sockets
    if not total:
        return "0"
    parts = [f"{n} {label}" for n, label in ((non2xx, "non-2xx"), (wrong, "wrong"), (sockets, "socket")) if n]
    return f"{total} ({', '.join(parts)})"


def _ratio_text(ratio: float | None) -> str:
    """Two decimals, or two significant digits below 0.1 (a 0.01x peer is not a 0.00x one)."""
    if ratio is None:
        return "-"
    return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.2g}x"


def format_table(table: list[Row]) -> str:
    reference = reference_rps(table)
    header = ["gateway", "req/s", "vs ours", "p50 ms", "p99 ms", "errors", "peak RSS", "CPU ms/req",
              "subgraph calls/req"]
    lines: list[list[str]] = []
    notes: list[str] = []
    for row in table:
        data = row.as_dict(reference)
        if data["rps"] is None:
            lines.append([row.gateway, "-", "-", "-", "-", "-", "-", "-", "-"])
        else:
            ratio = data["ratio_to_ours"]
            cpu = data["cpu_ms_per_request"]
            calls = data["subgraph_calls_per_request"]
            lines.append([
                row.gateway,
                f"{data['rps']:,.0f}",
                _ratio_text(ratio),
                f"{data['p50_ms']:.1f}",
                f"{data['p99_ms']:.1f}",
                _error_text(row),
                f"{data['peak_rss_bytes'] / 2**20:,.0f} MB",
                f"{cpu:.2f}" if cpu is not None else "-",
                f"{calls:.2f}" if calls is not None else "-",
            ])
        notes += [f"  ! {row.gateway}: {problem}" for problem in row.problems]
        warmup = sum(m.warmup_errors for m in row.rounds)
        if warmup:
            notes.append(f"  ! {row.gateway}: {warmup} errors during the warm-up")
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    out = [fmt(header), fmt(["-" * w for w in widths]), *(fmt(line) for line in lines)]
    return "\n".join(out + notes)
