"""Processes the bench starts: pinned to CPUs, logged to files, measured from /proc, always stopped.

Every child gets its own session (process group whose id is its pid), so stopping it by that
pid also stops anything it forked (Hive Gateway workers, the router's serving processes) and a
Ctrl-C in the terminal reaches only the bench, which then stops its children itself.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Pinning:
    """Which CPUs the gateway gets and which the load generator, subgraphs and bench share."""

    gateway: str | None  # taskset CPU list, None: no pinning
    load: str | None

    @staticmethod
    def choose(gateway_cpus: str | None, load_cpus: str | None, enabled: bool) -> tuple["Pinning", str | None]:
        """The pinning to use, and a note when it cannot be the one asked for."""
        if not enabled:
            return Pinning(None, None), None
        if shutil.which("taskset") is None:
            return Pinning(None, None), "taskset not found (util-linux): processes are not pinned"
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        if len(cpus) < 2 and not (gateway_cpus and load_cpus):
            return Pinning(None, None), f"only {len(cpus)} usable CPU: processes are not pinned"
        return Pinning(gateway_cpus or str(cpus[0]), load_cpus or str(cpus[1])), None

    @staticmethod
    def cpu_set(cpus: str) -> set[int]:
        result: set[int] = set()
        for part in cpus.split(","):
            low, _, high = part.partition("-")
            result.update(range(int(low), int(high or low) + 1))
        return result

    def pin_self(self) -> None:
        """The bench's own thread of control runs beside the load generator, off the gateway's CPU."""
        if self.load is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, self.cpu_set(self.load))

    def argv(self, cpus: str | None, argv: Sequence[str]) -> list[str]:
        return ["taskset", "-c", cpus, *argv] if cpus else list(argv)


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(f"    {line}" for line in text[-lines:])


@dataclass
class Processes:
    """Registry of everything started; ``stop_all`` runs on exit, Ctrl-C and SIGTERM alike."""

    logs: Path
    started: list[Started] = field(default_factory=list)

    def __post_init__(self) -> None:
        atexit.register(self.stop_all)

    def start(
        self, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> Started:
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                list(argv), env=dict(env) if env is not None else None, cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        entry = Started(name, process, log)
        self.started.append(entry)
        return entry

    def stop(self, entry: Started, timeout: float = 10.0) -> None:
        if entry.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(entry.pid, signal.SIGTERM)
            try:
                entry.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(entry.pid, signal.SIGKILL)
                entry.process.wait(timeout=5)
        # children that outlived their leader (same group id = the leader's pid)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(entry.pid, signal.SIGKILL)
        if entry in self.started:
            self.started.remove(entry)

    def stop_all(self) -> None:
        for entry in reversed(list(self.started)):
            self.stop(entry)


@contextlib.contextmanager
def terminate_on_signals() -> Iterator[None]:
    """SIGINT/SIGTERM/SIGHUP end the bench, so the ``finally`` blocks stop the children.

    SIGINT too, explicitly: a shell starts background jobs with it ignored, and ``kill -INT``
    should still stop a bench that was launched that way.
    """

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# -- /proc measurements -----------------------------------------------------------------------


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its live descendants (Linux), children found through every thread."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with contextlib.suppress(OSError):
                    children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
                    pending.extend(int(child) for child in children)
    return found


def tree_rss_bytes(pid: int) -> int:
    total = 0
    for member in tree_pids(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{member}/statm").read_text().split()[1]) * PAGE_SIZE
    return total


def tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for member in tree_pids(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


class PeakSampler:
    """Samples the process tree's RSS every ``interval`` seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_bytes(self.pid))


def wait_idle(pid: int, window: float = 0.3, busy: float = 0.1, timeout: float = 60.0) -> float:
    """Wait until the process tree uses under ``busy`` of a CPU over ``window`` seconds.

    A load generator that stops leaves its in-flight requests behind; a slow gateway can spend
    seconds finishing them, which would be billed to the next measurement. Returns the wait.
    """
    started = time.monotonic()
    last = tree_cpu_seconds(pid)
    while time.monotonic() - started < timeout:
        time.sleep(window)
        now = tree_cpu_seconds(pid)
        if now - last <= busy * window:
            break
        last = now
    return time.monotonic() - started


def wait_until(check: Callable[[], bool], what: str, entry: Started | None, timeout: float) -> None:
    """Poll ``check`` until true; fail early, with the process log, when the process dies."""
    deadline = time.monotonic() + timeout
    while True:
        if entry is not None and entry.process.poll() is not None:
            raise RuntimeError(f"{entry.name} exited with status {entry.process.returncode} before {what}; "
                               f"log {entry.log}:\n{entry.log_tail()}")
        with contextlib.suppress(Exception):
            if check():
                return
        if time.monotonic() > deadline:
            tail = f"; log {entry.log}:\n{entry.log_tail()}" if entry is not None else ""
            raise RuntimeError(f"timed out after {timeout:g}s waiting for {what}{tail}")
        time.sleep(0.2)
