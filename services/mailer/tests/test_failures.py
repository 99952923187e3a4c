"""When sending fails: an SMTP server that is down gets retries with backoff, then the job waits in the failed
registry until an operator retries it; a worker killed in the middle of a send sends nothing, and once RQ has
recovered its job exactly one email goes out."""

import threading
import time

from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry

from mailer.jobs import CLAIM_PREFIX
from shop_common.mailqueue import QUEUE
from shop_common.testing import wait_until

MESSAGE = {"id": "users:welcome:7", "template": "welcome", "to": {"email": "ann@example.com", "name": "Ann"},
           "context": {"username": "ann", "first_name": "Ann"}}


def test_smtp_down_is_retried_with_backoff_then_waits_for_an_operator(mailer, queue, sinks, redis, free_port,
                                                                      wait_for_mail):
    failed = FailedJobRegistry(QUEUE, connection=redis)
    enqueued = time.monotonic()
    job_id = queue.put(MESSAGE, retry_seconds=(1, 1))
    worker = mailer.start(SMTP_PORT=free_port)  # nothing listens there
    wait_until(lambda: failed.get_job_ids() == [job_id], timeout=15)
    assert time.monotonic() - enqueued >= 2  # it waited out both intervals
    assert queue.outcome(MESSAGE["id"]) is None  # still owed: an operator may retry it
    assert [e["outcome"] for e in worker.events(MESSAGE["id"])] == ["error"] * 3  # the first try and 2 retries
    assert not redis.exists(CLAIM_PREFIX + MESSAGE["id"])

    listed = mailer.cli("failed")
    assert listed.returncode == 0, listed.stderr
    (row,) = [line for line in listed.stdout.splitlines() if line.startswith(job_id)]
    assert row.split()[1:3] == [MESSAGE["id"], "welcome"]
    assert row.endswith("ConnectionRefusedError: [Errno 111] Connection refused")

    sink = sinks.start(port=free_port)  # SMTP is back
    retried = mailer.cli("retry-failed", "--all")
    assert retried.returncode == 0 and retried.stdout.strip() == "requeued 1 email(s)", retried.stderr
    (mail,) = wait_for_mail(sink)
    assert mail["To"] == "Ann <ann@example.com>"
    wait_until(lambda: Job.fetch(job_id, connection=redis).get_status() == JobStatus.FINISHED)
    assert len(sink.received()) == 1 and failed.get_job_ids() == []
    assert queue.outcome(MESSAGE["id"]) == "sent"
    assert mailer.cli("failed").stdout.strip() == "no failed emails"
    again = mailer.cli("retry-failed", job_id)
    assert again.returncode == 1 and f"not in the failed registry: {job_id}" in again.stderr


# The dead worker's claim lapses after this; long enough that the recovered job first finds it standing.
CLAIM_SECONDS = 6


def test_a_worker_killed_mid_send_sends_nothing_and_its_retry_sends_once(mailer, queue, sinks, redis,
                                                                         wait_for_mail):
    gate = threading.Event()
    sink = sinks.start(gate=gate)
    job_id = queue.put(MESSAGE, retry_seconds=(1,) * 10)
    # A burst worker gives its scheduler lock back before it works: a killed scheduler's lock would keep the
    # next worker's scheduler (which runs the retries) off for a minute.
    first = mailer.start("--burst", SMTP_PORT=sink.port, MAIL_CLAIM_SECONDS=CLAIM_SECONDS)
    assert sink.held.wait(10)  # the worker is in the SMTP conversation, waiting for its RCPT to be answered
    assert redis.get(CLAIM_PREFIX + MESSAGE["id"]).startswith(b"sending:")
    first.kill()
    gate.set()
    assert sink.received() == []  # the message was never accepted
    job = Job.fetch(job_id, connection=redis)
    assert job.get_status() == JobStatus.STARTED  # RQ does not know yet that its worker is gone

    # RQ's maintenance retries a started job once its worker's heartbeat has lapsed, about 90 s after the last
    # one (job_monitoring_interval + 60): this is that cleanup, run as if 120 s had passed.
    StartedJobRegistry(queue=Queue(QUEUE, connection=redis)).cleanup(timestamp=time.time() + 120)
    assert job.get_status(refresh=True) == JobStatus.SCHEDULED
    second = mailer.start(SMTP_PORT=sink.port, MAIL_CLAIM_SECONDS=CLAIM_SECONDS)
    (mail,) = wait_for_mail(sink, timeout=CLAIM_SECONDS + 10)
    assert mail["Message-ID"] and mail["To"] == "Ann <ann@example.com>"
    wait_until(lambda: job.get_status(refresh=True) == JobStatus.FINISHED)
    assert len(sink.received()) == 1
    outcomes = [e["outcome"] for e in second.events(MESSAGE["id"])]
    # while the dead worker's claim stood, the retry sent nothing; once it lapsed, the retry sent the email
    assert outcomes[0] == "busy" and outcomes[-1] == "sent" and set(outcomes) == {"busy", "sent"}
    assert redis.get(CLAIM_PREFIX + MESSAGE["id"]) == b"sent"


def test_a_report_the_owing_service_refuses_is_retried_without_a_second_email(mailer, queue, sinks, users_server,
                                                                              redis, wait_for_mail):
    gate = threading.Event()
    sink = sinks.start(gate=gate)
    job_id = queue.put(MESSAGE, retry_seconds=(1,) * 10)
    worker = mailer.start(SMTP_PORT=sink.port)
    try:
        assert sink.held.wait(15)  # asked whether it is owed, and in the SMTP conversation
        users_server.switch.mode = "failing"  # now users answers 500: the report of the send fails
        gate.set()
        wait_for_mail(sink)
        wait_until(lambda: len(worker.events(MESSAGE["id"])) >= 1 and Job.fetch(job_id, connection=redis)
                   .get_status() == JobStatus.SCHEDULED, timeout=15)  # RQ retries the job
        assert queue.outcome(MESSAGE["id"]) is None
    finally:
        users_server.switch.mode = "normal"
        gate.set()
    wait_until(lambda: queue.outcome(MESSAGE["id"]) == "sent", timeout=30)  # a retry reported it
    wait_until(lambda: Job.fetch(job_id, connection=redis).get_status() == JobStatus.FINISHED, timeout=15)
    outcomes = [e["outcome"] for e in worker.events(MESSAGE["id"])]
    assert outcomes[0] == "sent" and outcomes[-1] == "duplicate" and outcomes.count("sent") == 1
    assert len(sink.received()) == 1
