"""dev/supervisor.py, the local stack's supervisor, on small stand-in parts (Python one-liners): it restarts a
part whose process ends (the orphans it left killed), or whose health check says it is dead; gives up loudly
and stops everything past its limit; and leaves nothing behind when stopped. Each supervisor runs in a
process of its own (it takes signals and becomes a subreaper), as `dev/stack.py serve` runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: a part that runs until stopped, with a child of its own holding its output pipe (as RQ's scheduler does)
WITH_A_CHILD = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; "
                "time.sleep(600)']); print('up', flush=True); time.sleep(600)")
SLEEPER = "import time; print('up', flush=True); time.sleep(600)"

DRIVER = textwrap.dedent("""
    import json, pathlib, sys
    sys.path.insert(0, sys.argv[1])
    from supervisor import Part, Supervisor
    spec, state = json.loads(sys.argv[2]), pathlib.Path(sys.argv[3])
    healthy = lambda: not pathlib.Path(spec["sick_file"]).exists()
    parts = [Part(name, [sys.executable, "-c", code], {}, healthy=healthy if name == "checked" else None,
                  health="health", grace=0) for name, code in spec["parts"].items()]
    def record(pids):  # whole or not at all, as dev/stack.py writes its state: a test reads it meanwhile
        state.with_suffix(".tmp").write_text(json.dumps(pids))
        state.with_suffix(".tmp").replace(state)
    sys.exit(Supervisor(parts, on_start=record, limit=spec["limit"], window=60).run())
""")


def _wait(condition: Callable[[], object], what: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.1)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _session(sid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


class Running:
    def __init__(self, tmp_path: Path, parts: dict[str, str], limit: int):
        self.state = tmp_path / "pids.json"
        self.sick_file = tmp_path / "sick"
        spec = {"parts": parts, "limit": limit, "sick_file": str(self.sick_file)}
        self.log = (tmp_path / "supervisor.log").open("w+")
        self.process = subprocess.Popen([sys.executable, "-c", DRIVER, str(ROOT / "dev"), json.dumps(spec),
                                         str(self.state)], stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def pids(self) -> dict[str, int]:
        try:
            return json.loads(self.state.read_text())
        except (OSError, ValueError):
            return {}

    def said(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def everything(self) -> list[int]:
        """Every live process of the supervisor and of its parts' sessions."""
        return [pid for sid in [self.process.pid, *self.pids().values()] for pid in _session(sid)]


@pytest.fixture
def supervise(tmp_path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(parts: dict[str, str], limit: int = 8) -> Running:
        started.append(Running(tmp_path, parts, limit))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.send_signal(signal.SIGTERM)
            running.process.wait(60)
        left = running.everything()
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"left running: {left}\n{running.said()}"


def test_a_part_killed_while_a_child_holds_its_pipe_is_restarted_and_the_child_ended(supervise):
    running = supervise({"worker": WITH_A_CHILD, "other": SLEEPER})
    first = _wait(lambda: running.pids().get("worker"), "the worker started")
    other = running.pids()["other"]
    orphan = _wait(lambda: [p for p in _session(first) if p != first], "the worker's child started")[0]

    os.kill(first, signal.SIGKILL)

    second = _wait(lambda: (pid := running.pids()["worker"]) != first and pid, "the worker restarted")
    _wait(lambda: not _alive(orphan), "the orphan killed")
    assert _alive(second) and running.pids()["other"] == other and _alive(other)
    assert "worker exited (killed by SIGKILL)" in running.said() and running.process.poll() is None


def test_a_part_its_health_check_finds_dead_is_restarted(supervise):
    running = supervise({"checked": SLEEPER})
    first = _wait(lambda: running.pids().get("checked"), "the part started")
    running.sick_file.touch()

    _wait(lambda: running.pids()["checked"] != first, "the part restarted")  # two checks, 5 s apart
    running.sick_file.unlink()
    assert not _alive(first) and f"checked runs (pid {first}) but has no health" in running.said()


def test_a_part_that_keeps_dying_stops_the_whole_stack_loudly(supervise):
    running = supervise({"broken": "import sys; sys.exit(3)", "other": SLEEPER}, limit=2)

    assert running.process.wait(60) == 1
    said = running.said()
    assert said.count("broken exited (exit status 3)") == 3, said
    assert "!!! broken exited (exit status 3), and it stopped 3 times within 60 s (at most 2 restarts)" in said
    assert not running.everything(), said


def test_sigterm_stops_every_part_and_what_they_started(supervise):
    running = supervise({"worker": WITH_A_CHILD, "other": SLEEPER})
    first = _wait(lambda: running.pids().get("worker"), "the worker started")
    _wait(lambda: len(_session(first)) == 2, "the worker's child started")

    running.process.send_signal(signal.SIGTERM)

    assert running.process.wait(60) == 0
    assert not running.everything(), running.said()
