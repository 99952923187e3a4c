"""wrk, driven from Python: find (or install) it, write a scenario's requests, run it, read its figures.

Every scenario is a list of requests (`Request`); bench/lua/requests.lua sends them in turn from each of wrk's
threads, counts the statuses and writes its summary as JSON. A request is an error when its status is not one
the scenario expects, or when its connection failed or timed out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "lua" / "requests.lua"
INSTALL_HINT = ("wrk is missing: install it (`sudo apt-get install wrk` on Debian and Ubuntu, `brew install wrk` "
                "on macOS), then run this again")


class WrkMissing(RuntimeError):
    """wrk is not installed and could not be installed here; the message says what to install."""


def find_wrk() -> str:
    """The wrk binary; installed with apt-get when it is missing and we are root on Debian or Ubuntu."""
    if found := shutil.which("wrk"):
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        print("wrk is missing; installing it with apt-get", file=sys.stderr, flush=True)
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL)
        done = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], env=env,
                              check=False, capture_output=True, text=True)
        if done.returncode == 0 and (found := shutil.which("wrk")):
            return found
        raise WrkMissing(f"apt-get could not install wrk ({done.stderr.strip()[-300:]}). {INSTALL_HINT}")
    raise WrkMissing(INSTALL_HINT)


def wrk_version(binary: str) -> str:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).split(" Copyright")[0].strip()


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    token: str | None = None
    body: str | None = None  # JSON, on one line

    def line(self) -> str:
        for part in (self.path, self.token or "", self.body or ""):
            if "\t" in part or "\n" in part:
                raise ValueError(f"a request field may hold no tab or newline: {part[:80]!r}")
        return f"{self.method}\t{self.path}\t{self.token or '-'}\t{self.body or '-'}\n"


@dataclass
class Figures:
    """What one run of wrk measured."""

    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # unexpected statuses, failed and timed-out connections
    statuses: dict[str, int]
    socket_errors: dict[str, int]

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def run(url: str, requests: Sequence[Request], *, seconds: float, connections: int, threads: int,
        expect: Iterable[int] = (200,), keys: str | None = None, timeout: float = 10.0) -> Figures:
    """Send `requests` in turn to `url` (the gateway's base URL) for `seconds` over `connections` keep-alive
    connections; `keys`: a prefix that makes each request an Idempotency-Key of its own."""
    binary = find_wrk()
    threads = max(1, min(threads, connections))
    expected = {str(s) for s in expect}
    with tempfile.TemporaryDirectory(prefix="shop-wrk-") as scratch:
        data, out = Path(scratch) / "requests.tsv", Path(scratch) / "summary.json"
        data.write_text("".join(r.line() for r in requests))
        env = {**os.environ, "WRK_DATA": str(data), "WRK_OUT": str(out), "WRK_THREADS": str(threads)}
        if keys:
            env["WRK_KEYS"] = keys
        command = [binary, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                   f"--timeout={timeout:g}s", "-s", str(SCRIPT), url]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                              timeout=seconds + timeout + 60)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        summary = json.loads(out.read_text())
    elapsed = summary["duration_us"] / 1e6
    latency = summary["latency_us"]
    statuses = {k: v for k, v in sorted(summary["statuses"].items())}
    socket_errors = summary["socket_errors"]
    unexpected = sum(n for status, n in statuses.items() if status not in expected)
    return Figures(
        requests=summary["requests"], seconds=round(elapsed, 2),
        requests_per_s=round(summary["requests"] / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(latency["p50"] / 1000, 2), p90_ms=round(latency["p90"] / 1000, 2),
        p99_ms=round(latency["p99"] / 1000, 2), max_ms=round(latency["max"] / 1000, 2),
        errors=unexpected + sum(socket_errors.values()), statuses=statuses, socket_errors=socket_errors)
