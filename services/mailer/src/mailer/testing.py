"""For tests that run the mailer for real (the mailer's own, and the orders service's): a `shop-mailer
worker` subprocess that a test can kill like a machine that dies, and an SMTP sink on a free port."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from mailer.sink import MailSink

SHOP_MAILER = str(Path(sys.executable).with_name("shop-mailer"))
SMTP_PORTS = range(25000, 26000)


def start_sink(directory: Path, port: int | None = None, **options) -> MailSink:
    """A started `MailSink` keeping mail under `directory`, on `port` or the first free one of SMTP_PORTS."""
    for candidate in [port] if port else SMTP_PORTS:
        sink = MailSink(directory / f"mail-{candidate}", port=candidate, **options)
        try:
            sink.start()
        except OSError:
            if port:
                raise
            continue
        return sink
    raise RuntimeError(f"no free port in {SMTP_PORTS}")


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux: from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Worker:
    """A `shop-mailer worker` subprocess in a process group of its own, with its scheduler; RQ puts the work
    horse (the child that runs a job) in a group of its own. Its heartbeat file is `heartbeat`: the one `env`
    names, else one beside its log (so workers of concurrent tests and runs never share one)."""

    def __init__(self, args, env, log: Path):
        self.log = log
        env = {"SHOP_WORKER_HEARTBEAT_FILE": str(log.with_suffix(".heartbeat")), **env}
        self.heartbeat = Path(env["SHOP_WORKER_HEARTBEAT_FILE"])
        with log.open("ab") as out:
            self.process = subprocess.Popen([SHOP_MAILER, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def kill(self) -> None:
        """SIGKILL the worker, its work horse and its scheduler, as a machine that dies. The worker is stopped
        first, so it cannot see its horse die and record the job as failed: nothing is recorded at all."""
        os.killpg(self.process.pid, signal.SIGSTOP)
        for child in children(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGKILL)  # the horse's group (the scheduler is in the worker's)
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM: RQ's warm shutdown, which gives its locks back; SIGKILL after 10 s."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait(self, timeout: float = 20) -> int:
        return self.process.wait(timeout)

    def events(self, mail_id: str | None = None) -> list[dict]:
        """The JSON log lines of the mailer's own logger (for one message)."""
        lines = []
        for line in self.log.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("logger") == "mailer.jobs" and mail_id in (None, record.get("mail_id")):
                lines.append(record)
        return lines
