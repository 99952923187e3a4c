"""The mail worker (an RQ worker on the `mail` queue) and what an operator does with its failed jobs.

The worker rides out Redis outages instead of exiting. Unreachable at start, it waits for Redis (a log line
per try, backoff doubling up to WORKER_HEARTBEAT_SECONDS). Once working, RQ's own wait for a job already
retries a lost connection with backoff (a line per try; capped the same way here); everywhere else RQ would
let the connection error end the worker (its maintenance, its state and heartbeat writes, the monitoring of a
work horse, the bookkeeping around a job), `MailWorker` logs it and carries on: a work horse keeps sending
while Redis is away, and what RQ could not record of its job is settled by RQ's maintenance once Redis is back
(or, if Redis came back empty, by the outbox handing the message over again; see `mailer.jobs`). Each
heartbeat writes the worker's whole registration, so a Redis that lost its data knows the worker again at
once. Waiting for Redis, the worker touches its heartbeat file as often as when it is well: it is alive,
and restarting it would not bring Redis back. SIGTERM stops it at once while it waits, as at any other time
(after the email being sent).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from rq import Queue, Worker, worker_registration
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from mailer import jobs
from shop_common.logs import setup_logging
from shop_common.mailqueue import queue_connection
from shop_common.redis import REDIS_DOWN

log = logging.getLogger(__name__)


def connection() -> Redis:
    """The Redis connection of the mail queue (RQ's: bytes, not decoded strings)."""
    settings = jobs.settings()
    return queue_connection(settings["REDIS_URL"], settings["REDIS_TIMEOUT"])


def _without_job_arguments(record: logging.LogRecord) -> bool:
    # RQ logs a failed job's arguments, the whole message (addresses, orders): the job id is enough
    for field in ("arguments", "kwargs"):
        record.__dict__.pop(field, None)
    return True


def _away(what: str, exc: BaseException, level: int = logging.WARNING) -> None:
    log.log(level, "Redis unavailable (%s: %s): %s; going on", type(exc).__name__, exc, what)


class MailWorker(Worker):
    """RQ's worker, riding out Redis outages (see the module docstring) and touching `heartbeat_file` at each
    of its heartbeats (`shop-mailer alive` reads the file)."""

    def __init__(self, *args, heartbeat_file: Path, **kwargs):
        super().__init__(*args, **kwargs)
        self.heartbeat_file = heartbeat_file
        # RQ's wait for a job retries a lost connection with backoff up to this; the file is touched at each try
        self.max_connection_wait_time = float(self.job_monitoring_interval)

    def touch(self) -> None:
        """Touch the heartbeat file (a failure is logged: the probe fails, and restarts the worker)."""
        try:
            self.heartbeat_file.touch()
        except OSError as exc:
            log.warning("cannot touch the heartbeat file %s: %s", self.heartbeat_file, exc.strerror)

    def heartbeat(self, timeout: int | None = None, pipeline=None) -> None:
        """Touch the heartbeat file, then send RQ's heartbeat to Redis, with the worker's registration."""
        # RQ calls this before each wait on the queue, every job_monitoring_interval while a work horse sends,
        # and between jobs. The file goes first: a worker retrying an unreachable Redis is not hung.
        self.touch()
        if pipeline is not None:  # maintain_heartbeats' pipeline, sent (or not) there
            super().heartbeat(timeout, pipeline)
            return
        try:
            with self.connection.pipeline() as pipe:
                super().heartbeat(timeout, pipe)
                pipe.hset(self.key, mapping=self.serialize())
                worker_registration.register(self, pipe)
                pipe.execute()
        except REDIS_DOWN as exc:
            _away("heartbeat not recorded", exc, logging.DEBUG)  # RQ's wait says it once per try

    def maintain_heartbeats(self, job, execution) -> None:
        try:
            super().maintain_heartbeats(job, execution)
        except REDIS_DOWN as exc:
            _away(f"job {job.id} goes on sending, its heartbeat not recorded", exc)

    def set_state(self, state: str, pipeline=None) -> None:
        try:
            super().set_state(state, pipeline)
        except REDIS_DOWN as exc:
            _away(f"state {state} not recorded", exc, logging.DEBUG)

    def set_shutdown_requested_date(self) -> None:
        try:
            super().set_shutdown_requested_date()
        except REDIS_DOWN as exc:
            _away("stop request not recorded", exc, logging.DEBUG)

    def check_for_suspension(self, burst: bool) -> None:
        try:
            super().check_for_suspension(burst)
        except REDIS_DOWN as exc:
            _away("cannot tell whether workers are suspended", exc, logging.DEBUG)

    def run_maintenance_tasks(self) -> None:
        try:
            super().run_maintenance_tasks()
        except REDIS_DOWN as exc:
            _away("maintenance put off", exc, logging.DEBUG)

    def execute_job(self, job, queue) -> None:
        try:
            super().execute_job(job, queue)
        except REDIS_DOWN as exc:
            # before the fork (the job did not start) or after the horse ended (its end not recorded): RQ's
            # maintenance settles the job from its registries once Redis is back
            _away(f"job {job.id} not recorded as started or ended", exc)

    def teardown(self) -> None:
        try:
            super().teardown()
        except REDIS_DOWN as exc:
            _away("the worker stops without recording it (its registration lapses)", exc)
            with contextlib.suppress(REDIS_DOWN):
                self.unsubscribe()


class _Stop:
    """SIGTERM and SIGINT while the worker waits for Redis (RQ installs its own once it works)."""

    def __init__(self):
        self.event = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.event.set())


def _wait_for_redis(redis: Redis, stop: _Stop, touch, most: float) -> bool:
    """Wait until Redis answers (True), touching the heartbeat file at each try, or until stopped (False)."""
    wait = 1.0
    while not stop.event.is_set():
        touch()
        try:
            redis.ping()
            return True
        except REDIS_DOWN as exc:
            log.warning("mailer: Redis unavailable (%s: %s); trying again in %.0f s", type(exc).__name__, exc, wait)
        stop.event.wait(wait)
        wait = min(wait * 2, most)
    return False


def run(burst: bool = False) -> None:
    """Send the queued emails until stopped (SIGTERM: after the one being sent), or until none is left (`burst`).

    The scheduler runs along (for retries after an interval). Every WORKER_MAINTENANCE_SECONDS the worker
    cleans RQ's registries: that is when the job of a worker that died is retried, once RQ gives up on its
    heartbeat (WORKER_HEARTBEAT_SECONDS + 60 s after the last one). The heartbeat file exists from start-up
    until the worker stops, touched at least every WORKER_HEARTBEAT_SECONDS while the worker is well or waits
    for Redis. Redis away, at start or later, is waited out (see the module docstring).
    """
    settings = jobs.settings()  # read before RQ forks a work horse for each job, which inherits them
    setup_logging("mailer", settings["LOG_LEVEL"], settings["LOG_FORMAT"])
    logging.getLogger("rq.worker").addFilter(_without_job_arguments)
    maintenance, beat = settings["WORKER_MAINTENANCE_SECONDS"], settings["WORKER_HEARTBEAT_SECONDS"]
    heartbeat_file = Path(settings["WORKER_HEARTBEAT_FILE"])
    try:
        heartbeat_file.touch()  # now: the first probe may come before RQ's first heartbeat
    except OSError as exc:
        raise SystemExit(f"mailer: cannot start, cannot write SHOP_WORKER_HEARTBEAT_FILE={heartbeat_file}: "
                         f"{exc.strerror}") from None
    stop = _Stop()
    try:
        while _wait_for_redis(redis := connection(), stop, heartbeat_file.touch, beat):
            worker = None
            try:
                # An idle worker heartbeats, then waits on the queue for worker_ttl - 15 s, and cleans up only
                # between two waits: a ttl of 15 s more than the shorter interval keeps both as frequent as the
                # settings say even when no mail comes. While a work horse sends, RQ heartbeats every
                # job_monitoring_interval.
                worker = MailWorker([settings["MAIL_QUEUE"]], connection=redis, maintenance_interval=maintenance,
                                    worker_ttl=min(maintenance, beat) + 15, job_monitoring_interval=beat,
                                    heartbeat_file=heartbeat_file)
                if not stop.event.is_set():
                    worker.work(burst=burst, with_scheduler=True, logging_level=settings["LOG_LEVEL"])
                return
            except REDIS_DOWN as exc:  # gone again while the worker registered itself
                log.warning("mailer: Redis unavailable while the worker started (%s: %s)", type(exc).__name__, exc)
                if worker is not None:  # its channel's thread would retry for ever
                    with contextlib.suppress(REDIS_DOWN):
                        worker.unsubscribe()
    finally:
        # whatever its last beat's age, a stopped worker is not alive (RQ's work horse and scheduler are
        # forked children that leave by os._exit: only the worker itself gets here)
        heartbeat_file.unlink(missing_ok=True)


@dataclass(frozen=True)
class FailedMail:
    job_id: str
    mail_id: str
    template: str
    error: str  # the last line of the last failure


def failed(redis: Redis) -> list[FailedMail]:
    """The jobs in the mail queue's failed registry, oldest failure first."""
    registry = FailedJobRegistry(queue=Queue(jobs.settings()["MAIL_QUEUE"], connection=redis))
    found = []
    for job in Job.fetch_many(registry.get_job_ids(), connection=redis):
        if job is None:  # expired since the registry was read
            continue
        message = job.args[0] if job.args and isinstance(job.args[0], dict) else {}
        result = job.latest_result()
        lines = (result.exc_string or "").strip().splitlines() if result else []
        found.append(FailedMail(job.id, str(message.get("id", "?")), str(message.get("template", "?")),
                                lines[-1] if lines else ""))
    return found


def retry_failed(redis: Redis, job_ids: list[str] | None) -> tuple[list[str], list[str]]:
    """Put failed jobs back on the queue (`None`: all of them); returns (requeued, not found)."""
    registry = FailedJobRegistry(queue=Queue(jobs.settings()["MAIL_QUEUE"], connection=redis))
    requeued, missing = [], []
    for job_id in registry.get_job_ids() if job_ids is None else job_ids:
        try:
            registry.requeue(job_id)
        except (InvalidJobOperation, NoSuchJobError):
            missing.append(job_id)
        else:
            requeued.append(job_id)
    return requeued, missing
