"""The child processes of ``make run``: start, wait until healthy, stop, leave none behind.

Each child runs in its own process group, so the terminal's Ctrl-C reaches only the
launcher, which then stops the parts in order (router first, then the subgraphs) with
one SIGTERM each: no child sees a second signal mid-shutdown, none prints a traceback.
Each child also asks the kernel for SIGTERM should the launcher itself die, and after
the grace period whatever is left of a group (a router worker, say) gets SIGKILL.

The children's stderr (their logs) is forwarded line by line from the launcher's single
thread, which also remembers each child's last line: when a service stops during
start-up, its own one-line reason is repeated in the launcher's final message instead
of scrolling away among the other services' logs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

import httpx

from scripts.launcher.plan import Part

STOP_GRACE_SECONDS = 20.0
_PR_SET_PDEATHSIG = 1


class StartupFailed(Exception):
    """A part did not come up; the message names it and says what was seen."""


@dataclass
class Child:
    part: Part
    process: subprocess.Popen[bytes]

    @property
    def name(self) -> str:
        return self.part.name


def _parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child when the launcher dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    return hook


_DEATH_HOOK = _parent_death_signal()


class OutputPump:
    """Forwards the children's stderr to ours, whole lines only, and keeps each one's last line."""

    def __init__(self, sink: BinaryIO | None = None) -> None:
        self._sink = sink if sink is not None else sys.stderr.buffer
        self._selector = selectors.DefaultSelector()
        self._partial: dict[str, bytes] = {}
        self.last_line: dict[str, str] = {}

    def add(self, name: str, stream: IO[bytes]) -> None:
        os.set_blocking(stream.fileno(), False)
        self._partial[name] = b""
        self._selector.register(stream, selectors.EVENT_READ, name)

    def pump(self, seconds: float) -> None:
        """Forward output for ``seconds`` (returns early only when there is nothing to read from)."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if not self._selector.get_map():
                if remaining > 0:
                    time.sleep(remaining)
                return
            for key, _events in self._selector.select(max(0.0, remaining)):
                self._read(key)
            if time.monotonic() >= deadline:
                return

    def _read(self, key: selectors.SelectorKey) -> None:
        name: str = key.data
        stream: IO[bytes] = key.fileobj  # type: ignore[assignment]
        try:
            chunk = os.read(stream.fileno(), 65536)
        except BlockingIOError:
            return
        if not chunk:  # the child closed it (exited): flush what is left
            self._emit(name, self._partial.pop(name, b""), final=True)
            self._selector.unregister(stream)
            stream.close()
            return
        self._emit(name, self._partial[name] + chunk)

    def _emit(self, name: str, data: bytes, final: bool = False) -> None:
        if final:
            whole = data
        else:
            head, newline, self._partial[name] = data.rpartition(b"\n")
            whole = head + newline
        if not whole:
            return
        self._sink.write(whole if whole.endswith(b"\n") else whole + b"\n")
        self._sink.flush()
        lines = [line for line in whole.decode(errors="replace").splitlines() if line.strip()]
        if lines:
            self.last_line[name] = lines[-1].strip()

    def reason(self, name: str) -> str | None:
        """A child's last line, readable: a JSON log line is reduced to its message."""
        line = self.last_line.get(name)
        if line is None:
            return None
        try:
            entry = json.loads(line)
        except ValueError:
            return line
        if not isinstance(entry, dict) or "msg" not in entry:
            return line
        error = entry.get("error")
        return f"{entry['msg']} ({error})" if error else str(entry["msg"])


def spawn(part: Part, cwd: Path, pump: OutputPump) -> Child:
    process = subprocess.Popen(
        [sys.executable, *part.args],
        env=dict(part.env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        process_group=0,
        preexec_fn=_DEATH_HOOK,  # noqa: PLW1509 - the launcher runs a single thread
    )
    assert process.stderr is not None
    pump.add(part.name, process.stderr)
    return Child(part, process)


def health(url: str) -> tuple[bool, Any]:
    """(green, what /health said). A subgraph is green when database and broker are ok;
    the router when it answers 200."""
    try:
        response = httpx.get(url, timeout=2.0)
    except httpx.HTTPError as exc:
        return False, type(exc).__name__
    try:
        body = response.json()
    except ValueError:
        body = response.text[:200]
    if response.status_code != 200:
        return False, body
    if isinstance(body, dict) and "status" in body and body["status"] not in ("ok", "UP"):
        return False, body
    return True, body


def wait_healthy(
    children: Sequence[Child], pump: OutputPump, stop: threading.Event, timeout: float = 90.0
) -> dict[str, Any]:
    """Until every child's /health is green; returns each one's last report.

    Raises StartupFailed when a child exits (quoting its last line) or stays unhealthy
    past ``timeout``."""
    deadline = time.monotonic() + timeout
    reports: dict[str, Any] = {}
    pending = list(children)
    while pending and not stop.is_set():
        for child in list(pending):
            if child.process.poll() is not None:
                raise exited_during_startup(child, pump)
            green, report = health(child.part.health_url)
            reports[child.name] = report
            if green:
                pending.remove(child)
        if pending and time.monotonic() > deadline:
            late = ", ".join(f"{c.name} ({c.part.health_url} said {reports.get(c.name)!r})" for c in pending)
            raise StartupFailed(f"not healthy after {timeout:.0f} s: {late}")
        if pending:
            pump.pump(0.25)
    return reports


def exited_during_startup(child: Child, pump: OutputPump) -> StartupFailed:
    child.process.wait()
    pump.pump(0.2)  # its last words may still be in the pipe
    reason = pump.reason(child.name)
    said = f": {reason}" if reason else ""
    return StartupFailed(f"{child.name} stopped during start-up (exit status {child.process.returncode}){said}")


def first_exited(children: Sequence[Child]) -> Child | None:
    return next((child for child in children if child.process.poll() is not None), None)


def stop_all(
    children: Sequence[Child], pump: OutputPump, grace: float = STOP_GRACE_SECONDS, force: threading.Event | None = None
) -> None:
    """Router first (it stops taking requests), then the subgraphs together; SIGKILL
    whatever outlives ``grace`` (or a second Ctrl-C), and any process left in a group."""
    router = [c for c in children if c.name == "router"]
    for batch in (router, [c for c in children if c.name != "router"]):
        for child in batch:
            if child.process.poll() is None:
                _signal_leader(child, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while any(c.process.poll() is None for c in batch):
            if time.monotonic() > deadline or (force is not None and force.is_set()):
                for child in batch:
                    if child.process.poll() is None:
                        _signal_group(child, signal.SIGKILL)
                        child.process.wait()
                break
            pump.pump(0.1)
        for child in batch:
            _signal_group(child, signal.SIGKILL)  # stragglers of a stopped leader: none survive
    pump.pump(0.2)


def _signal_leader(child: Child, sig: signal.Signals) -> None:
    try:
        child.process.send_signal(sig)
    except ProcessLookupError:
        pass


def _signal_group(child: Child, sig: signal.Signals) -> None:
    try:
        os.killpg(child.process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
