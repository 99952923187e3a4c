"""The memory of the local stack, part by part, from its process tree (Linux /proc).

The stack's supervisor (dev/stack.py serve, dev/supervisor.py) starts each part as a child of its own: each
service's gunicorn (master and workers), the gateway's nginx (master and workers), the mailer's RQ worker
(and the work horse it forks per job), the SMTP sink. Every process under a child is counted for that part;
the supervisor is a part of its own (a development convenience: in a deployment each part
runs alone in its container). RSS counts a page shared by two processes (a gunicorn worker forked from its master)
twice; PSS shares it between them, so the PSS of the parts adds up to what the stack really holds.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shop_common import manifest

PAGE = os.sysconf("SC_PAGE_SIZE")
SUPERVISOR = "stack supervisor (dev/stack.py)"
MiB = 1024 * 1024


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, rss bytes) of a process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[21]) * PAGE


def pss(pid: int) -> int:
    """Proportional set size in bytes (0 when unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))):
            children[found[0]].append(int(entry.name))
    return children


def tree(root: int, children: dict[int, list[int]]) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def part_name(pids: list[int]) -> str:
    """What a child of the supervisor is, from the command lines of its processes."""
    text = " ".join(cmdline(p) for p in pids)
    for service in manifest.load().apis():
        if f"{service.package}:create_app" in text:
            return service.name
    if "nginx" in text:
        return "gateway (nginx)"
    if "shop-mailer sink" in text:
        return "smtp sink"
    if "shop-mailer worker" in text:
        return "mailer (RQ)"
    return (text.split() or ["?"])[0].rsplit("/", 1)[-1]


@dataclass
class Part:
    processes: int
    rss: int
    pss: int


def parts(root: int, extra: dict[str, list[int]] | None = None) -> dict[str, Part]:
    """Memory of each part under the supervisor `root` (plus `extra`: name -> pids of parts elsewhere)."""
    children = children_map()
    supervisor = [root]
    groups: dict[str, list[int]] = {SUPERVISOR: supervisor}
    for child in children.get(root, ()):
        # a supervisor that runs a part from a fork of itself (the same command line, as honcho did): that
        # fork is the supervisor's
        heads = [child]
        if cmdline(child) == cmdline(root):
            supervisor.append(child)
            heads = children.get(child, [])
        for head in heads:
            pids = tree(head, children)
            groups.setdefault(part_name(pids), []).extend(pids)
    for name, pids in (extra or {}).items():
        groups[name] = [p for p in pids if _stat(p)]
    found = {}
    for name, pids in groups.items():
        stats = [(p, s) for p in pids if (s := _stat(p))]
        found[name] = Part(len(stats), sum(s[1] for _, s in stats), sum(pss(p) for p, _ in stats))
    return found


@dataclass
class Sampler:
    """Samples `parts()` every `every` seconds in a thread, keeping each part's peak."""

    root: int
    extra: Callable[[], dict[str, list[int]]] = dict  # parts elsewhere, looked up at each sample
    every: float = 1.0
    peak: dict[str, Part] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            for name, part in parts(self.root, self.extra()).items():
                top = self.peak.get(name)
                if top is None or part.rss > top.rss:
                    self.peak[name] = part


def as_mib(found: dict[str, Part]) -> dict[str, dict[str, float]]:
    return {name: {"processes": p.processes, "rss_mib": round(p.rss / MiB, 1), "pss_mib": round(p.pss / MiB, 1)}
            for name, p in found.items()}


class ServerProcesses:
    """The Postgres backends serving the stack's databases, and the Redis server, as extra parts.

    On a machine with Postgres and Redis servers of its own the stack uses those: their memory is the
    system's, shared with every other database, so only what serves the stack is named (the backends of its
    databases; Redis as a whole, which holds the other databases' keys too) and kept out of the stack's total.
    """

    def __init__(self, postgres_url: str, redis_url: str, prefix: str):
        self.postgres_url, self.redis_url, self.prefix = postgres_url, redis_url, prefix

    def parts(self) -> dict[str, list[int]]:
        import psycopg
        import redis

        found: dict[str, list[int]] = {}
        try:
            with psycopg.connect(self.postgres_url, connect_timeout=2) as conn:
                found[POSTGRES_PART] = [r[0] for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE left(datname, %s) = %s",
                    (len(self.prefix), self.prefix))]
        except psycopg.Error:
            pass
        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        try:
            found[REDIS_PART] = [int(client.info("server")["process_id"])]
        except (redis.RedisError, KeyError, ValueError):
            pass
        finally:
            client.close()
        return found


POSTGRES_PART = "postgres backends of its databases"
REDIS_PART = "redis server (all of it)"
SERVER_PARTS = (POSTGRES_PART, REDIS_PART)
