"""The mail worker (an RQ worker on the `mail` queue) and what an operator does with its failed jobs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from mailer import jobs
from shop_common.logs import setup_logging
from shop_common.mailqueue import queue_connection

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


class MailWorker(Worker):
    """RQ's worker, touching `heartbeat_file` at each of its heartbeats (`shop-mailer alive` reads the file)."""

    def __init__(self, *args, heartbeat_file: Path, **kwargs):
        super().__init__(*args, **kwargs)
        self.heartbeat_file = heartbeat_file

    def heartbeat(self, *args, **kwargs) -> None:
        """Touch the heartbeat file, then send RQ's heartbeat to Redis."""
        # RQ calls this before each wait on the queue, every job_monitoring_interval while a work horse sends,
        # and between jobs. The file goes first: a worker retrying an unreachable Redis is not hung, and a
        # restart would not bring Redis back.
        try:
            self.heartbeat_file.touch()
        except OSError as exc:  # the probe fails, and restarts the worker; this says why
            log.warning("cannot touch the heartbeat file %s: %s", self.heartbeat_file, exc.strerror)
        super().heartbeat(*args, **kwargs)


def run(burst: bool = False) -> None:
    """Send the queued emails until stopped (SIGTERM: after the one being sent), or until none is left (`burst`).

    The scheduler runs along (for retries after an interval). Every WORKER_MAINTENANCE_SECONDS the worker
    cleans RQ's registries: that is when the job of a worker that died is retried, once RQ gives up on its
    heartbeat (WORKER_HEARTBEAT_SECONDS + 60 s after the last one). The heartbeat file exists from start-up
    until the worker stops, touched at least every WORKER_HEARTBEAT_SECONDS while the worker is well.
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
    try:
        # An idle worker heartbeats, then waits on the queue for worker_ttl - 15 s, and cleans up only between
        # two waits: a ttl of 15 s more than the shorter interval keeps both as frequent as the settings say
        # even when no mail comes. While a work horse sends, RQ heartbeats every job_monitoring_interval.
        worker = MailWorker([settings["MAIL_QUEUE"]], connection=connection(), maintenance_interval=maintenance,
                            worker_ttl=min(maintenance, beat) + 15, job_monitoring_interval=beat,
                            heartbeat_file=heartbeat_file)
        worker.work(burst=burst, with_scheduler=True, logging_level=settings["LOG_LEVEL"])
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
