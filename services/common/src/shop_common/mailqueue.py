"""The mail queue, as producers and the mailer both know it: light to import (the mailer's commands load
no database code)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from shop_common.config import Setting

if TYPE_CHECKING:  # redis takes half a second to import: the mailer's liveness probe imports this module
    from redis import Redis

#: the RQ queue the mailer's workers listen on by default, and the job they run (by name: no service imports
#: the mailer)
QUEUE = "mail"
JOB = "mailer.jobs.send"
#: a send that takes longer is killed by RQ; the mailer's claim on a message outlives it
JOB_TIMEOUT = 60


#: of the producers and of the mailer: they must agree
QUEUE_SETTING = Setting("MAIL_QUEUE", "the RQ queue of the shop's email (shops sharing one Redis need one each)",
                        QUEUE)


def job_id(message_id: str) -> str:
    """The RQ job of a message (RQ's ids are letters, digits, `_` and `-`: a digest of the message id)."""
    return "mail-" + hashlib.sha256(message_id.encode()).hexdigest()[:40]


def jobs_exist(connection: Redis, message_ids: list[str]) -> list[bool]:
    """Whether Redis still holds the RQ job of each message (queued, running, scheduled for a retry, failed or
    finished): one pipeline of EXISTS on the jobs' keys."""
    from rq.job import Job

    with connection.pipeline(transaction=False) as pipe:
        for message_id in message_ids:
            pipe.exists(Job.key_for(job_id(message_id)))
        return [bool(found) for found in pipe.execute()]


def queue_connection(url: str, timeout: float) -> Redis:
    """A Redis client for RQ (which needs bytes, not the decoded strings of the services' own client)."""
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def enqueue(connection: Redis, message: dict[str, Any], retry_seconds: tuple[int, ...], queue: str = QUEUE) -> None:
    """Put one message on the mail queue, with RQ retries (and backoff) for sends that fail."""
    from rq import Queue, Retry

    Queue(queue, connection=connection).enqueue(
        JOB, message, job_id=job_id(message["id"]), job_timeout=JOB_TIMEOUT,
        retry=Retry(max=len(retry_seconds), interval=list(retry_seconds)),
        result_ttl=7 * 86_400, failure_ttl=30 * 86_400, description=f"email {message['id']}")
