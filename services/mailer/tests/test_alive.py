"""`shop-mailer alive`, the worker's liveness probe: it passes while a worker heartbeats, idle or sending, and
fails, saying why, when the heartbeat file is missing (no worker, or one that stopped) or older than --max-age
(a worker that hangs). It reads no setting but the heartbeat file, and loads neither RQ nor Redis."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from mailer.testing import SHOP_MAILER
from shop_common.testing import wait_until

MESSAGE = {"id": "users:welcome:9", "template": "welcome", "to": {"email": "di@example.com", "name": "Di"},
           "context": {"username": "di", "first_name": "Di"}}
# the workers here beat every second, and clean RQ's registries seldom: the beats are the heartbeat setting's
QUICK = {"WORKER_HEARTBEAT_SECONDS": 1, "WORKER_MAINTENANCE_SECONDS": 60}


def probe_env(heartbeat: Path) -> dict[str, str]:
    """The environment of the probe here: no Redis, no other setting, only the heartbeat file."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    return {**environ, "SHOP_WORKER_HEARTBEAT_FILE": str(heartbeat)}


def alive(heartbeat: Path, *args: str) -> subprocess.CompletedProcess:
    """`shop-mailer alive *args`, as the kubelet runs it in the worker's container."""
    return subprocess.run([SHOP_MAILER, "alive", *args], env=probe_env(heartbeat), capture_output=True, text=True,
                          timeout=30)


def beaten(heartbeat: Path) -> float:
    """When the worker last touched its heartbeat file (0: there is none)."""
    try:
        return heartbeat.stat().st_mtime
    except FileNotFoundError:
        return 0


def missing(heartbeat: Path) -> str:
    """What the probe says when there is no heartbeat file."""
    return f"Error: no heartbeat file {heartbeat}: the worker has not started, or has stopped\n"


def test_a_running_worker_is_alive_until_it_stops(mailer, redis):
    worker = mailer.start(**QUICK)
    first = wait_until(lambda: beaten(worker.heartbeat), timeout=15)
    wait_until(lambda: beaten(worker.heartbeat) > first, timeout=10)  # and it goes on beating while idle
    result = alive(worker.heartbeat)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")

    worker.stop()  # SIGTERM: a clean exit
    assert worker.process.returncode == 0, worker.log.read_text()
    result = alive(worker.heartbeat)
    assert result.returncode == 1 and result.stderr == missing(worker.heartbeat)


def test_a_hung_worker_is_not_alive_once_max_age_passes(mailer, redis):
    worker = mailer.start(**QUICK)
    wait_until(lambda: alive(worker.heartbeat, "--max-age", "3").returncode == 0, timeout=15)
    os.kill(worker.process.pid, signal.SIGSTOP)  # hung: its process runs no more (its scheduler's still does)
    try:
        result = wait_until(lambda: (r := alive(worker.heartbeat, "--max-age", "3")).returncode == 1 and r,
                            timeout=15)
    finally:
        os.kill(worker.process.pid, signal.SIGCONT)
    assert re.fullmatch(r"Error: the worker's last heartbeat is \d+ s old, more than 3 s: it is hung or gone "
                        rf"\({re.escape(str(worker.heartbeat))}\)\n", result.stderr), result.stderr
    # once it runs again, it beats again
    wait_until(lambda: alive(worker.heartbeat, "--max-age", "3").returncode == 0, timeout=15)


def test_a_worker_sending_an_email_stays_alive(mailer, queue, sinks, redis, wait_for_mail):
    gate = threading.Event()
    sink = sinks.start(gate=gate)
    queue.put(MESSAGE)
    worker = mailer.start(SMTP_PORT=sink.port, SMTP_TIMEOUT=30, **QUICK)  # no timeout while held
    try:
        assert sink.held.wait(15)  # its work horse is in the SMTP conversation, held at RCPT
        held_at = time.time()
        # the worker beats while its horse sends, not only between jobs: held longer than max-age, it is alive
        wait_until(lambda: beaten(worker.heartbeat) > held_at + 3, timeout=10)
        result = alive(worker.heartbeat, "--max-age", "3")
        assert result.returncode == 0, result.stderr
    finally:
        gate.set()
    (mail,) = wait_for_mail(sink)
    assert mail["To"] == "Di <di@example.com>"
    (event,) = wait_until(lambda: worker.events(MESSAGE["id"]))
    assert event["outcome"] == "sent"  # the first send, never interrupted


def test_a_stale_heartbeat_is_not_alive(tmp_path):
    heartbeat = tmp_path / "heartbeat"
    heartbeat.touch()
    assert alive(heartbeat).returncode == 0
    five_minutes_ago = time.time() - 300
    os.utime(heartbeat, (five_minutes_ago, five_minutes_ago))
    result = alive(heartbeat)
    assert result.returncode == 1
    assert re.fullmatch(r"Error: the worker's last heartbeat is 30\d s old, more than 120 s: it is hung or gone "
                        rf"\({re.escape(str(heartbeat))}\)\n", result.stderr), result.stderr
    assert alive(heartbeat, "--max-age", "600").returncode == 0


def test_no_heartbeat_file_is_not_alive(tmp_path):
    result = alive(tmp_path / "heartbeat")
    assert result.returncode == 1 and result.stderr == missing(tmp_path / "heartbeat")


def test_a_worker_that_cannot_write_its_heartbeat_does_not_start(mailer, tmp_path):
    heartbeat = tmp_path / "no such folder" / "heartbeat"
    worker = mailer.start(WORKER_HEARTBEAT_FILE=heartbeat)
    assert worker.wait() == 1
    assert (f"mailer: cannot start, cannot write SHOP_WORKER_HEARTBEAT_FILE={heartbeat}: No such file or directory"
            in worker.log.read_text())


def test_the_probe_loads_neither_rq_nor_redis_nor_flask(tmp_path):
    heartbeat = tmp_path / "heartbeat"
    heartbeat.touch()
    code = ("import sys\nfrom mailer.cli import cli\ntry:\n    cli(['alive'])\nexcept SystemExit as exit:\n"
            "    print(exit.code, sorted({m.split('.')[0] for m in sys.modules} & {'rq', 'redis', 'flask', 'jinja2'}))")
    result = subprocess.run([sys.executable, "-c", code], env=probe_env(heartbeat), capture_output=True, text=True,
                            timeout=30)
    assert result.stdout == "0 []\n", result.stderr
