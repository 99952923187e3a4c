"""A service's background work: small periodic tasks (relaying the outbox, repairing interrupted
checkouts, expiring reservations) run by one daemon thread in each serving process.

Every task is safe to run in many processes at once (they take their rows with SKIP LOCKED or act
idempotently), so no leader is elected: each gunicorn worker starts its thread with its first request.
`shop-<service> housekeeping` runs the same tasks from a shell or a CronJob, once or in a loop; with
`SHOP_BACKGROUND=false` (tests) no thread is started.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import Flask, current_app

log = logging.getLogger(__name__)


@dataclass
class Task:
    name: str
    run: Callable[[], object]
    every: float
    wakeable: bool  # `wake()` runs it at once (work was just made for it)


class Housekeeping:
    def __init__(self, app: Flask):
        self.app = app
        self.tasks: list[Task] = []
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._pid: int | None = None

    def add(self, name: str, run: Callable[[], object], every: float, *, wakeable: bool = False) -> None:
        """Run `run()` (in an app context) every `every` seconds."""
        self.tasks.append(Task(name, run, every, wakeable))

    def wake(self) -> None:
        """Run the wakeable tasks now rather than at their next turn."""
        self._wake.set()

    def run_once(self) -> None:
        for task in self.tasks:
            self._run(task)

    def _run(self, task: Task) -> None:
        with self.app.app_context():
            try:
                task.run()
            except Exception:  # a task failing must not end the thread; the next turn tries again
                log.exception("background task %s failed", task.name)
            finally:
                db = self.app.extensions.get("sqlalchemy")
                if db is not None:
                    db.session.remove()

    def ensure_started(self) -> None:
        """Start the thread of this process, once (a forked worker starts its own)."""
        if self._pid == os.getpid() or not self.tasks:
            return
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self.loop, name=f"{self.app.name}-housekeeping", daemon=True).start()

    def loop(self, stop: threading.Event | None = None) -> None:
        due = {task.name: time.monotonic() for task in self.tasks}
        while stop is None or not stop.is_set():
            for task in self.tasks:
                if due[task.name] <= time.monotonic():
                    self._run(task)
                    due[task.name] = time.monotonic() + task.every
            if self._wake.wait(max(0.0, min(due.values()) - time.monotonic())):
                self._wake.clear()
                for task in self.tasks:
                    if task.wakeable:
                        due[task.name] = 0.0


def init_housekeeping(app: Flask, enabled: bool) -> Housekeeping:
    keeper = app.extensions["shop_housekeeping"] = Housekeeping(app)
    if enabled:
        app.before_request(keeper.ensure_started)

    @app.cli.command("housekeeping")
    @click.option("--once", is_flag=True, help="Run every task once and exit.")
    def housekeeping_command(once: bool) -> None:
        """Run the background tasks (outbox relay, repairs, expiry) here, in a loop or once."""
        if once:
            keeper.run_once()
        else:
            keeper.loop()

    return keeper


def housekeeping() -> Housekeeping:
    """The current app's background tasks."""
    return current_app.extensions["shop_housekeeping"]
