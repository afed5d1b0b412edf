"""Several serving processes on one port (``--workers`` / ``ROUTER_WORKERS``).

One Python process executes one request at a time (the GIL), so a router on a machine
with several cores needs several processes to use them. The supervisor loads the
supergraph once (a broken one fails before anything is forked), then forks the workers:
they start in milliseconds with the graph already in memory, which keeps a router with
many workers healthy as fast as a router with one.

Each worker accepts from its own ``SO_REUSEPORT`` socket, so the kernel spreads incoming
connections evenly over them; with one shared socket, the worker that wakes first
accepts a whole burst of keep-alive connections and the others idle. The supervisor
opens all these sockets before forking and keeps them: a port in use fails at startup,
a replacement worker takes over its predecessor's socket (connections queued meanwhile
are kept), and tools that stop "whatever listens on the port" (``lsof``/``fuser``
based, as test harnesses do) find and stop the supervisor too, never leaving it to
respawn workers. Where ``SO_REUSEPORT`` is missing the workers share one socket.

Every worker runs the whole application: all settings, ``/health``, its own hot-reload
watcher. SIGTERM or SIGINT to the supervisor stops every worker gracefully (SIGKILL
after a grace period); workers ask the kernel for SIGTERM if the supervisor dies, so
none is ever left orphaned. A worker that dies is replaced; a worker that cannot stay up
at startup stops the whole router rather than crash-looping.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import math
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("router.server.startup")

GRACE_SECONDS = 15.0  # a worker finishing in-flight requests after SIGTERM
POLL_SECONDS = 0.1
QUICK_DEATH_SECONDS = 5.0  # a worker dying this soon after its start counts as a failed start
MAX_QUICK_DEATHS = 5  # ... and this many failed starts within a minute stop the router
_PR_SET_PDEATHSIG = 1

# serve(listener, first_generation) runs one worker's server until it stops; returns the exit code.
ServeWorker = Callable[[socket.socket, bool], int]


def usable_cpus() -> int:
    """CPUs this process may run on: affinity (taskset, cpusets) and cgroup quota respected."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = _cgroup_cpu_limit()
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(1, count)


def _cgroup_cpu_limit() -> float | None:
    """The container's CPU limit (cgroup v2 ``cpu.max``, or v1 quota/period), if any."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period_us = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return quota_us / period_us if quota_us > 0 and period_us > 0 else None
    except (OSError, ValueError):
        return None


def worker_count(setting: int | None) -> int:
    return usable_cpus() if setting is None else setting


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host.strip("[]"), port))
    return sock


def listening_socket(host: str, port: int, reuse_port: bool, backlog: int = 2048) -> socket.socket:
    sock = _socket(host, port, reuse_port)
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


class Supervisor:
    """Forks ``count`` workers, replaces dead ones, stops them all on SIGTERM/SIGINT."""

    def __init__(self, host: str, port: int, count: int, serve: ServeWorker) -> None:
        self.host = host
        self.count = count
        self.serve = serve
        reuse_port = hasattr(socket, "SO_REUSEPORT")
        if port and reuse_port:
            # SO_REUSEPORT would let us join another process's sockets on this port and split
            # its traffic; a plain bind first fails like any server on a taken port
            _socket(host, port, reuse_port=False).close()
        # one socket per worker slot, kept for replacements
        first = listening_socket(host, port, reuse_port)
        self.port = first.getsockname()[1]
        self.listeners = [first]
        try:
            for _ in range(count - 1):
                self.listeners.append(listening_socket(host, self.port, True) if reuse_port else first)
        except OSError:
            self._close_listeners()
            raise
        self.children: dict[int, tuple[int, float]] = {}  # pid -> (slot, start time)
        self.stopping = False
        self.failed_starts: list[float] = []

    # --- the supervisor ----------------------------------------------------------------------

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        # what is loaded now stays shared between the forked workers (the collector would
        # touch, and so copy, every page of it)
        gc.freeze()
        exit_code = 0
        try:
            for slot in range(self.count):
                self._spawn(slot, first=True)
            log.info("router workers started", extra={"workers": self.count, "pids": sorted(self.children)})
            while not self.stopping:
                time.sleep(POLL_SECONDS)
                for pid, status in self._reap():
                    slot, started = self.children.pop(pid, (None, 0.0))
                    if self.stopping or slot is None:
                        continue
                    log.error("router worker exited; replacing it",
                              extra={"pid": pid, "status": _describe(status)})
                    now = time.monotonic()
                    if now - started < QUICK_DEATH_SECONDS:
                        self.failed_starts = [t for t in self.failed_starts if now - t < 60.0] + [now]
                        if len(self.failed_starts) >= MAX_QUICK_DEATHS:
                            log.error("router workers keep failing at startup; stopping")
                            self.stopping = True
                            exit_code = 1
                            continue
                    self._spawn(slot, first=False)
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._close_listeners()
        return exit_code

    def _close_listeners(self) -> None:
        for listener in {id(sock): sock for sock in self.listeners}.values():
            listener.close()

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.stopping = True

    def _reap(self) -> list[tuple[int, int]]:
        reaped = []
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            reaped.append((pid, status))
        return reaped

    def _stop_all(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while self.children and time.monotonic() < deadline:
            for pid, _status in self._reap():
                self.children.pop(pid, None)
            if self.children:
                time.sleep(0.05)
        for pid in list(self.children):
            log.error("router worker did not stop in time; killing it", extra={"pid": pid})
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            self.children.pop(pid, None)

    def _spawn(self, slot: int, first: bool) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid:
            self.children[pid] = (slot, time.monotonic())
            return
        code = 1
        try:
            code = self._worker(parent, slot, first)
        except BaseException:  # noqa: BLE001 - a worker must never return into the supervisor's loop
            logging.getLogger("router.server").exception("router worker failed")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    # --- one worker (in the forked child) ----------------------------------------------------------

    def _worker(self, parent: int, slot: int, first: bool) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)  # the server installs its own; until then, just stop
        _die_with_parent()
        if os.getppid() != parent:
            return 0
        listener = self.listeners[slot]
        for other in self.listeners:
            if other is not listener:
                other.close()
        return self.serve(listener, first)


def _die_with_parent() -> None:
    """Linux: SIGTERM when the supervisor dies, whatever kills it (no orphaned workers)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"
