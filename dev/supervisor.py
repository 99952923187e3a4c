"""The local stack's supervisor: runs each part of the shop, keeps it running, and stops all of it on request.

Each part runs in a session of its own (so in a process group of its own, and RQ's work horses, which make
a process group of their own, stay in it too), its output copied line by line, prefixed with its name. When
a part's main process ends, or its health check says it is dead while its process still runs (the mailer
with no worker registered on its queue), everything left in its session is killed (an orphan holding its
output pipe too) and the part is started again after a backoff, with one log line each time. A part that
needs more than RESTART_LIMIT restarts within RESTART_WINDOW seconds is a part that cannot run here: the
supervisor says so loudly and stops the whole stack, exit status 1.

SIGTERM or SIGINT (Ctrl-C) stops every part: SIGTERM to each session, SIGKILL to what is left after
STOP_SECONDS. The supervisor is a child subreaper, so whatever a part leaves behind is its child too and
is stopped with the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: restarts of one part allowed within RESTART_WINDOW seconds; one more and the stack stops. A part that
#: dies at once is started again after 0.5, 1, 2, 4 ... 30 s: the limit is reached after about two minutes
#: of a crash loop, and a Redis outage shorter than that is ridden out
RESTART_LIMIT = 8
RESTART_WINDOW = 120.0
#: the longest pause before a restart; a part that ran STABLE_SECONDS before it stopped restarts at once
MAX_BACKOFF = 30.0
STABLE_SECONDS = 10.0
#: how often the health checks run, and how long a part is given after its start before they count
CHECK_EVERY = 5.0
#: SIGTERM to SIGKILL, when stopping
STOP_SECONDS = 20.0
PR_SET_CHILD_SUBREAPER = 36


@dataclass
class Part:
    """One process of the stack. `healthy`, when given, answers True (it has its `health`), False (it has
    not, though its process runs: dead) or None (cannot tell now, e.g. Redis is down); two False answers in
    a row, `grace` seconds or more after the start, and the part is restarted."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: str | None = None
    healthy: Callable[[], bool | None] | None = None
    health: str = "healthy"  # what `healthy` checks, for the log
    grace: float = 30.0
    process: subprocess.Popen | None = field(default=None, repr=False)
    started: float = 0.0
    streak: int = 0  # restarts in a row that came soon after the start
    restarts: deque = field(default_factory=deque, repr=False)  # when it was restarted, within the window
    due: float | None = None  # when a stopped part starts again
    sick: int = 0  # False answers in a row of its health check


class GaveUp(Exception):
    """A part stopped more often than RESTART_LIMIT allows."""


class Supervisor:
    def __init__(self, parts: list[Part], *, on_start: Callable[[dict[str, int]], None] = lambda pids: None,
                 limit: int = RESTART_LIMIT, window: float = RESTART_WINDOW):
        """`on_start` is told the pid of every running part after each (re)start (the stack records them);
        more than `limit` restarts of one part within `window` seconds stop the stack."""
        self.parts = parts
        self.on_start = on_start
        self.limit, self.window = limit, window
        self.width = max(len(p.name) for p in [*parts, Part("supervisor", [], {})])
        self.stopping = threading.Event()
        self.lock = threading.Lock()  # one line at a time on stdout

    # -- output --

    def say(self, name: str, line: str) -> None:
        with self.lock:
            sys.stdout.write(f"{time.strftime('%H:%M:%S')} {name:<{self.width}} | {line}\n")
            sys.stdout.flush()

    def _copy(self, part: Part, stream) -> None:
        for raw in iter(stream.readline, b""):
            self.say(part.name, raw.decode(errors="replace").rstrip("\n"))
        stream.close()

    # -- running --

    def start(self, part: Part) -> None:
        part.process = subprocess.Popen(part.argv, env=part.env, cwd=part.cwd, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        part.started, part.due, part.sick = time.monotonic(), None, 0
        threading.Thread(target=self._copy, args=(part, part.process.stdout), daemon=True).start()
        self.on_start({p.name: p.process.pid for p in self.parts if p.process is not None})

    def run(self) -> int:
        """Run every part until SIGTERM or SIGINT (0), or until one cannot be kept running (1)."""
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        for part in self.parts:
            self.start(part)
        next_check = time.monotonic() + CHECK_EVERY
        try:
            while not self.stopping.wait(0.5):
                self._reap_orphans()
                for part in self.parts:
                    self._tend(part)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + CHECK_EVERY
                    for part in self.parts:
                        self._check(part)
        except GaveUp as gave_up:
            self.say("supervisor", "!" * 100)
            self.say("supervisor", f"!!! {gave_up}: stopping the whole stack")
            self.say("supervisor", "!" * 100)
            return self.stop() or 1
        self.say("supervisor", "stopping every part")
        return self.stop()

    def _tend(self, part: Part) -> None:
        """Start a part that is due, and schedule the restart of one whose main process has ended."""
        if part.due is not None:
            if time.monotonic() >= part.due:
                self.start(part)
            return
        if part.process is not None and (code := part.process.poll()) is not None:
            self._restart(part, f"exited ({_status(code)})")

    def _check(self, part: Part) -> None:
        if part.healthy is None or part.due is not None or time.monotonic() - part.started < part.grace:
            return
        answer = part.healthy()
        part.sick = part.sick + 1 if answer is False else 0
        if part.sick >= 2:
            self._restart(part, f"runs (pid {part.process.pid}) but has no {part.health}, twice in a row,")

    def _restart(self, part: Part, why: str) -> None:
        """Kill what is left of `part` and start it again after its backoff; GaveUp past the limit."""
        now = time.monotonic()
        ran = now - part.started
        part.streak = 0 if ran >= STABLE_SECONDS else part.streak + 1
        part.restarts.append(now)
        while part.restarts and part.restarts[0] < now - self.window:
            part.restarts.popleft()
        _signal_session(part.process.pid, signal.SIGTERM)
        _end_session(part.process.pid, signal.SIGKILL, wait=5.0)
        part.process.wait()
        if len(part.restarts) > self.limit:
            raise GaveUp(f"{part.name} {why}, and it stopped {len(part.restarts)} times within "
                         f"{self.window:g} s (at most {self.limit} restarts)")
        delay = 0.0 if part.streak == 0 else min(MAX_BACKOFF, 0.5 * 2 ** (part.streak - 1))
        part.due = now + delay
        self.say("supervisor", f"{part.name} {why} {ran:.0f} s after its start; restarting it in {delay:g} s "
                               f"(restart {len(part.restarts)} of at most {self.limit} within {self.window:g} s)")

    def _reap_orphans(self) -> None:
        """Collect the exit status of what a part left behind and was handed to us (we are its subreaper)."""
        ours = {p.process.pid for p in self.parts if p.process is not None}
        for pid in _children(os.getpid()) - ours:
            if _state(pid) == "Z":
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)

    def stop(self) -> int:
        """Stop every part (SIGTERM, then SIGKILL after STOP_SECONDS), and whatever they left behind."""
        running = [p for p in self.parts if p.process is not None and p.due is None]
        for part in running:
            _signal_session(part.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for part in running:
            _end_session(part.process.pid, signal.SIGKILL, wait=max(0.0, deadline - time.monotonic()))
            part.process.wait()
        while orphans := _children(os.getpid()):  # handed to us, and in no part's session any more
            for pid in orphans:
                _kill(pid, signal.SIGKILL)
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break
        return 0


# -- processes, from /proc ----------------------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, ..."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _state(pid: int) -> str:
    fields = _stat(pid)
    return fields[0] if fields else "?"


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _children(parent: int) -> set[int]:
    return {pid for pid in _pids() if (fields := _stat(pid)) and int(fields[1]) == parent}


def session_members(session: int) -> list[int]:
    """The live (not zombie) processes of a session."""
    return [pid for pid in _pids() if (fields := _stat(pid)) and int(fields[3]) == session and fields[0] != "Z"]


def _kill(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


def _signal_session(session: int, signum: int) -> None:
    for pid in session_members(session):
        _kill(pid, signum)


def _end_session(session: int, signum: int, wait: float) -> None:
    """Wait up to `wait` seconds for the session to end by itself, then send `signum` to what is left of it
    until nothing is."""
    deadline = time.monotonic() + wait
    while session_members(session) and time.monotonic() < deadline:
        time.sleep(0.1)
    while members := session_members(session):
        for pid in members:
            _kill(pid, signum)
        time.sleep(0.05)


def _status(code: int) -> str:
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
