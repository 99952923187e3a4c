"""Fixtures of the kit's own tests: ports below 32768, bounded waits, subprocesses with a clean environment.

Ports come from 20000-29999: on this kind of machine the kernel hands out ephemeral ports from 32768 up,
so binding port 0 would give one there, and a port we pick there could collide with a client's.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

PORTS = range(20000, 30000)
REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())


def bind_in_range(bind: Callable[[int], T], attempts: int = 50) -> T:
    """`bind(port)` on random ports of PORTS until one is not in use."""
    for port in random.sample(PORTS, attempts):
        try:
            return bind(port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    raise RuntimeError(f"no free port in {PORTS} after {attempts} tries")


def _probe(port: int) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
    return port


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """A port below 32768 that nothing is bound to right now (for a server started in a subprocess)."""
    return lambda: bind_in_range(_probe)


@pytest.fixture(scope="session")
def bind_port() -> Callable[[Callable[[int], T]], T]:
    """`bind_port(lambda port: Server(("127.0.0.1", port)))`: retried on EADDRINUSE, ports below 32768."""
    return bind_in_range


def _wait_until(condition: Callable[[], T], timeout: float, interval: float = 0.05,
                message: str = "condition") -> T:
    ends = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= ends:
            raise AssertionError(f"{message} not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture(scope="session")
def wait_until() -> Callable[..., Any]:
    """`wait_until(condition, timeout)`: poll `condition` until it returns something truthy, at most
    `timeout` seconds; returns that value or fails the test."""
    return _wait_until


@pytest.fixture(scope="session")
def uv_run() -> list[str]:
    """`uv run` in the environment the tests run in (uv names itself in `UV` when it runs us)."""
    return [os.environ.get("UV") or shutil.which("uv") or "uv", "run", "--no-sync"]


@pytest.fixture
def clean_env() -> dict[str, str]:
    """This process's environment without any SHOP_ setting or metrics folder, for a service subprocess."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("SHOP_") and k not in {"PROMETHEUS_MULTIPROC_DIR", "FLASK_APP"}}


class Started:
    """A subprocess in its own session, so the whole tree it starts can be stopped at once.

    Its standard output and error go to files (a pipe nobody reads would stall a chatty server)."""

    def __init__(self, args: list[str], env: dict[str, str], logs: Path):
        self._out, self._err = logs.with_suffix(".out"), logs.with_suffix(".err")
        with self._out.open("wb") as out, self._err.open("wb") as err:
            self.proc = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, start_new_session=True)

    def stdout(self) -> str:
        return self._out.read_text(errors="replace")

    def stderr(self) -> str:
        return self._err.read_text(errors="replace")

    def kill(self) -> None:
        # the group too: a child (a gunicorn worker) may outlive the process we started
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


@pytest.fixture
def start(tmp_path) -> Iterator[Callable[..., Started]]:
    """`start(args, env)`: run `args` from the repository root; killed, with all it started, after the test."""
    started: list[Started] = []

    def run(args: list[str], env: dict[str, str], name: str = "process") -> Started:
        process = Started(args, env, tmp_path / f"{name}-{len(started)}")
        started.append(process)
        return process

    yield run
    for process in started:
        process.kill()
