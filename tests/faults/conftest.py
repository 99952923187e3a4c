"""The shop like `make up` (tests/e2e's `running_stack`) on a Redis and a Postgres of this module's own, which
the fault tests stop, kill and start again: Redis is the one in `shop_common.testing.RedisServer` (no
persistence: a restart is empty), Postgres an embedded one (`pgserver`, on a Unix socket in a folder of this
run, stopped with `pg_ctl -m fast` as a crash of the server would look to its clients).

Ports are moved by 7000: gateway 15000, services 15001-15004, SMTP sink 8025. The stack lives as long as the
module that uses it (test_faults.py), so no other test runs beside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shop_common.testing import RedisServer, load_module

ROOT = Path(__file__).resolve().parents[2]
PORT_OFFSET = 7000
# its Redis is stopped for a while: a range of its own, so no other test's server takes the port meanwhile
REDIS_PORTS = range(15100, 15200)
#: seconds before a mail job Redis lost is handed over again (the services' SHOP_MAIL_REHAND_SECONDS,
#: 90 by default: a test would wait that long for each confirmation Redis lost)
REHAND_SECONDS = "5"


#: tests/e2e/conftest.py, for the stack it knows how to start and stop
e2e = load_module(ROOT / "tests" / "e2e" / "conftest.py", "shop_e2e_conftest")
#: dev/supervisor.py, for the processes of each part
supervisor = load_module(ROOT / "dev" / "supervisor.py", "shop_dev_supervisor")


class Postgres:
    """An embedded Postgres server of the test's own, which it can stop and start again (same data, same
    socket)."""

    def __init__(self, folder: Path):
        import pgserver

        self.server = pgserver.get_server(folder, cleanup_mode="delete")
        self.url = self.server.get_uri("postgres")

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def stop(self) -> None:
        """Every connection cut at once, and no new one taken (`pg_ctl stop -m fast`)."""
        self._pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.server.cleanup()


class FaultStack:
    """The stack, its servers, and the faults this module injects into them."""

    def __init__(self, stack, redis: RedisServer, postgres: Postgres):
        self.stack, self.redis, self.postgres = stack, redis, postgres

    def parts(self) -> dict[str, int]:
        """The pid of each part (the first of its session), as the stack's supervisor last recorded them."""
        return json.loads((self.stack.var / "stack.json").read_text())["parts"]

    def members(self, part: str) -> list[int]:
        """Every process of the part's session (gunicorn's master and workers; the mailer's RQ worker, its
        scheduler and its work horse)."""
        return supervisor.session_members(self.parts()[part])

    def signal(self, pids: list[int], signum: int) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def supervisor_running(self) -> bool:
        try:
            os.kill(int((self.stack.var / "stack.pid").read_text()), 0)
        except (OSError, ValueError):
            return False
        return True

    def not_ready(self) -> list[str]:
        """The parts that do not answer ready now (dev/stack.py's own check, run against this stack)."""
        env = {**os.environ, "SHOP_STACK_VAR": str(self.stack.var), "SHOP_STACK_PORT_OFFSET": str(PORT_OFFSET),
               "SHOP_STACK_DATABASE_PREFIX": self.prefix}
        said = subprocess.run([sys.executable, "-c", "import json, stack; print(json.dumps(stack.not_ready()))"],
                              cwd=ROOT / "dev", env=env, capture_output=True, text=True, timeout=60, check=False)
        return json.loads(said.stdout) if said.returncode == 0 else [f"(check failed: {said.stderr[-300:]})"]

    @property
    def prefix(self) -> str:
        return self.stack.database_prefix

    def worker_registered(self, instead_of: int) -> bool:
        """Whether the mailer the supervisor runs now is not `instead_of` and has registered on the mail queue
        (a killed worker's registration outlives it until its heartbeat times out)."""
        from redis import Redis
        from rq import Queue, Worker

        pid = self.parts()["mailer"]
        with Redis.from_url(self.redis.url) as connection:
            queue = Queue(f"{self.prefix}mail", connection=connection)
            return pid != instead_of and any(w.pid == pid for w in Worker.all(queue=queue))

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds until every part answers ready again, with no hand on the stack; fails past `timeout`."""
        start = time.monotonic()
        while waiting := self.not_ready():
            assert self.supervisor_running(), "the stack's supervisor stopped"
            assert time.monotonic() - start < timeout, f"not ready {timeout} s after the fault: {waiting}"
            time.sleep(1)
        return time.monotonic() - start


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> Iterator[FaultStack]:
    redis = RedisServer(ports=REDIS_PORTS)
    postgres = Postgres(tmp_path_factory.mktemp("pg"))
    settings = {"SHOP_MAIL_REHAND_SECONDS": REHAND_SECONDS}
    try:
        with e2e.running_stack(tmp_path_factory.mktemp("stack"), PORT_OFFSET, redis.url,
                               postgres_url=postgres.url, settings=settings) as stack:
            yield FaultStack(stack, redis, postgres)
    finally:
        redis.stop()
        postgres.close()
