"""Periodic jobs with the ``schedule`` library, run on the service's event loop.

``schedule`` is synchronous, so its own ``Scheduler`` instance ticks on a background
thread and each due job is submitted to the event loop with
``run_coroutine_threadsafe``: the loop never stalls on the scheduler, and a failing
job is logged without killing the thread or skipping the other due jobs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import schedule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[object]]


class JobScheduler:
    def __init__(self, loop: asyncio.AbstractEventLoop, jobs: list[Job], *, tick_seconds: float = 0.2) -> None:
        self._loop = loop
        self._scheduler = schedule.Scheduler()
        self._stop = threading.Event()
        self._tick = tick_seconds
        self._thread: threading.Thread | None = None
        self._running: dict[str, bool] = {}
        self.jobs: tuple[Job, ...] = tuple(jobs)
        self.runs: dict[str, int] = {}
        for job in jobs:
            self._scheduler.every(job.interval_seconds).seconds.do(self._submit, job)
            self.runs[job.name] = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop_forever, name="job-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self._scheduler.run_pending()
            except Exception:  # noqa: BLE001 - _submit already guards; belt and braces
                log.exception("scheduler tick failed")
            self._stop.wait(self._tick)

    def _submit(self, job: Job) -> None:
        # A slow job must not pile up behind itself: skip a tick while it still runs.
        if self._running.get(job.name):
            return
        self._running[job.name] = True
        future = asyncio.run_coroutine_threadsafe(self._guarded(job), self._loop)
        future.add_done_callback(lambda _f: self._running.__setitem__(job.name, False))

    async def _guarded(self, job: Job) -> None:
        try:
            await job.run()
            self.runs[job.name] += 1
        except Exception:  # noqa: BLE001 - one failing run must not stop the schedule
            log.exception("scheduled job failed", extra={"job": job.name})
