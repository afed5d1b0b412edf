"""`python -m router serve --workers N`: several processes on one port, stopped together.

Linux-only where it looks at processes and sockets through /proc (which worker holds
which connection); the router itself only needs fork and SO_REUSEPORT.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.config import ConfigError, load_config, parse_workers
from router.server.workers import usable_cpus, worker_count
from tests.support.ports import free_port
from tests.support.servers import wait_for_http

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "router_core" / "fixtures"
SHOP = FIXTURES / "shop" / "supergraph.graphql"
CATALOG = FIXTURES / "catalog" / "supergraph.graphql"

linux_only = pytest.mark.skipif(not Path("/proc/self/net/tcp").exists(), reason="reads processes and sockets from /proc")


class Router:
    def __init__(self, supergraph: Path, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"router-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph), "--port", str(self.port), *args],
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
        )
        wait_for_http(self.url + "/health", timeout=30, process=self.process)

    @property
    def workers(self) -> list[int]:
        return children(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for pid in self.workers:
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def routers(tmp_path: Path) -> Iterator[list[Router]]:
    started: list[Router] = []
    yield started
    for router in started:
        router.stop()


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def tcp_sockets(port: int, state: str) -> set[str]:
    """Inodes of TCP sockets on local ``port`` in ``state`` (01 established, 0A listening)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            next(handle)
            for line in handle:
                parts = line.split()
                if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == state:
                    found.add(parts[9])
    return found


def established_connections(pid: int, port: int) -> int:
    """TCP connections accepted on ``port`` that process ``pid`` holds open."""
    return len(socket_inodes(pid) & tcp_sockets(port, "01"))


def listening_pids(port: int) -> set[int]:
    """What ``lsof -i tcp:PORT | grep LISTEN`` finds: every process holding a listening socket."""
    listening = tcp_sockets(port, "0A")
    return {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and socket_inodes(int(p.name)) & listening}


# --- settings --------------------------------------------------------------------------------


def test_worker_setting_from_environment_and_flag() -> None:
    assert load_config({}).workers is None
    assert load_config({"ROUTER_WORKERS": "auto"}).workers is None
    assert load_config({"ROUTER_WORKERS": "3"}).workers == 3
    assert worker_count(None) == usable_cpus() >= 1
    assert worker_count(2) == 2
    with pytest.raises(ConfigError, match="ROUTER_WORKERS must be 'auto' or a number"):
        load_config({"ROUTER_WORKERS": "many"})
    with pytest.raises(ConfigError, match="--workers must be at least 1"):
        parse_workers("0", "--workers")


def test_auto_follows_the_cpus_this_process_may_use() -> None:
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity on this platform")
    assert usable_cpus() <= len(os.sched_getaffinity(0))


def test_a_bad_worker_count_fails_startup_naming_the_flag(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "router", "serve", "--supergraph", str(SHOP), "--workers", "none"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.returncode == 2
    assert "--workers must be 'auto' or a number" in result.stderr


# --- processes -------------------------------------------------------------------------------


@linux_only
def test_two_workers_share_the_port_and_apply_every_setting(tmp_path: Path, routers: list[Router]) -> None:
    router = Router(SHOP, tmp_path, env={"ROUTER_WORKERS": "2", "ROUTER_INTROSPECTION": "false"})
    routers.append(router)
    workers = router.workers
    assert len(workers) == 2
    clients = [httpx.Client(base_url=router.url, timeout=10) for _ in range(24)]  # one connection each
    try:
        for client in clients:
            assert client.post("/graphql", json={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
            refused = client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"}).json()
            assert "introspection" in refused["errors"][0]["message"].lower()
            assert client.get("/health").json() == {"status": "UP"}
        # every worker answers a share of the connections (24 connections all on one: p ~ 1e-7)
        held = {pid: established_connections(pid, router.port) for pid in workers}
        assert sum(held.values()) == len(clients)
        assert all(count > 0 for count in held.values()), held
    finally:
        for client in clients:
            client.close()


@linux_only
def test_sigterm_stops_every_worker_and_the_supervisor(tmp_path: Path, routers: list[Router]) -> None:
    router = Router(SHOP, tmp_path, "--workers", "2")
    routers.append(router)
    workers = router.workers
    assert len(workers) == 2 and all(alive(pid) for pid in workers)
    router.process.send_signal(signal.SIGTERM)
    assert router.process.wait(timeout=20) == 0
    wait_until(lambda: not any(alive(pid) for pid in workers))
    assert "Traceback" not in router.log.read_text()


@linux_only
def test_sigint_stops_everything_too(tmp_path: Path, routers: list[Router]) -> None:
    router = Router(SHOP, tmp_path, "--workers", "2")
    routers.append(router)
    workers = router.workers
    router.process.send_signal(signal.SIGINT)
    assert router.process.wait(timeout=20) == 0
    wait_until(lambda: not any(alive(pid) for pid in workers))


@linux_only
def test_workers_exit_when_the_supervisor_is_killed(tmp_path: Path, routers: list[Router]) -> None:
    router = Router(SHOP, tmp_path, "--workers", "2")
    routers.append(router)
    workers = router.workers
    router.process.kill()
    router.process.wait(timeout=10)
    wait_until(lambda: not any(alive(pid) for pid in workers))


@linux_only
def test_stopping_whatever_listens_on_the_port_stops_the_router(tmp_path: Path, routers: list[Router]) -> None:
    # test harnesses free a port with `lsof -i tcp:PORT | grep LISTEN | ... | xargs kill -9`:
    # that must reach the supervisor too, or it would respawn workers beside the next router
    router = Router(SHOP, tmp_path, "--workers", "2")
    routers.append(router)
    everyone = {router.process.pid, *router.workers}
    assert listening_pids(router.port) == everyone
    for pid in listening_pids(router.port):
        os.kill(pid, signal.SIGKILL)
    router.process.wait(timeout=10)
    wait_until(lambda: not any(alive(pid) for pid in everyone))
    time.sleep(0.5)  # a respawn would have happened by now
    assert listening_pids(router.port) == set()


@linux_only
def test_a_dead_worker_is_replaced(tmp_path: Path, routers: list[Router]) -> None:
    router = Router(SHOP, tmp_path, "--workers", "2")
    routers.append(router)
    first = router.workers
    os.kill(first[0], signal.SIGKILL)
    wait_until(lambda: len(router.workers) == 2 and first[0] not in router.workers)
    for _ in range(10):  # new connections each time: some reach the replacement
        response = httpx.post(router.url + "/graphql", json={"query": "{ __typename }"}, timeout=10)
        assert response.json() == {"data": {"__typename": "Query"}}


@linux_only
def test_workers_that_keep_dying_at_start_stop_the_router(tmp_path: Path, routers: list[Router]) -> None:
    router = Router(SHOP, tmp_path, "--workers", "2")
    routers.append(router)
    killed: set[int] = set()
    deadline = time.monotonic() + 20
    while router.process.poll() is None and time.monotonic() < deadline:
        for pid in router.workers:
            if pid not in killed:
                killed.add(pid)
                os.kill(pid, signal.SIGKILL)  # each dies right after its start
        time.sleep(0.05)
    assert router.process.wait(timeout=20) == 1
    assert 5 <= len(killed) <= 8
    assert not any(alive(pid) for pid in killed)
    assert "keep failing at startup" in router.log.read_text()


@linux_only
def test_every_worker_hot_reloads_the_supergraph(tmp_path: Path, routers: list[Router]) -> None:
    path = tmp_path / "supergraph.graphql"
    shutil.copyfile(SHOP, path)
    router = Router(path, tmp_path, "--workers", "2", "--hot-reload")
    routers.append(router)
    query = {"query": '{ __type(name: "Podcast") { name } }'}
    clients = [httpx.Client(base_url=router.url, timeout=10) for _ in range(16)]
    try:
        for client in clients:
            assert client.post("/graphql", json=query).json() == {"data": {"__type": None}}
        path.write_text(CATALOG.read_text())
        os.utime(path, (time.time() + 5, time.time() + 5))

        def all_reloaded() -> bool:
            return all(c.post("/graphql", json=query).json() == {"data": {"__type": {"name": "Podcast"}}} for c in clients)

        wait_until(all_reloaded, timeout=20)
        held = {pid: established_connections(pid, router.port) for pid in router.workers}
        assert all(count > 0 for count in held.values()), held  # both workers took part
    finally:
        for client in clients:
            client.close()


@linux_only
def test_a_second_router_on_the_same_port_is_refused(tmp_path: Path, routers: list[Router]) -> None:
    router = Router(SHOP, tmp_path, "--workers", "2")
    routers.append(router)
    result = subprocess.run(
        [sys.executable, "-m", "router", "serve", "--supergraph", str(SHOP), "--port", str(router.port), "--workers", "2"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.returncode == 1  # not a silent second group of listeners sharing the traffic
    assert f"cannot listen on 127.0.0.1:{router.port}" in result.stderr
    assert listening_pids(router.port) == {router.process.pid, *router.workers}


def test_a_taken_port_fails_startup_clearly(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "router", "serve", "--supergraph", str(SHOP), "--port", str(port), "--workers", "2"],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
