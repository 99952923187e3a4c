"""A worker rides out Redis outages: unreachable at start, gone while idle, gone while a work horse sends. It
keeps running, logs each try, stays alive for its liveness probe, sends once Redis is back, and stops at once
on SIGTERM while it waits. Each test has a Redis server of its own (`RedisServer`, port 26000-26999) to stop."""

import signal
import threading

import pytest
from redis import Redis
from rq import Worker as RQWorker

from shop_common import mailqueue
from shop_common.testing import RedisServer, wait_until

MESSAGE = {"id": "users:welcome:7", "template": "welcome", "to": {"email": "ann@example.com", "name": "Ann"},
           "context": {"username": "ann", "first_name": "Ann"}}
# quick beats, so that the waits below are short; the backoff is capped at the beat
QUICK = {"WORKER_HEARTBEAT_SECONDS": 2, "WORKER_MAINTENANCE_SECONDS": 2}


@pytest.fixture
def own_redis():
    server = RedisServer()
    yield server
    server.stop()


def put(queue, server: RedisServer, message: dict) -> None:
    """Owe `message` in its service's outbox and hand it to the queue on `server`, as the relay does."""
    queue.owe(message)
    client = Redis.from_url(server.url)
    mailqueue.enqueue(client, message, (1, 1))
    client.close()


def tries(worker) -> int:
    """How many times the worker has logged that Redis is unavailable."""
    return worker.log.read_text().count("Redis unavailable") + worker.log.read_text().count(
        "could not connect to Redis")


def registered(server: RedisServer) -> list:
    client = Redis.from_url(server.url)
    try:
        return RQWorker.all(connection=client)
    finally:
        client.close()


def test_a_worker_started_before_redis_waits_for_it_alive_then_sends(mailer, queue, own_redis, sink,
                                                                      wait_for_mail):
    own_redis.stop()
    worker = mailer.start(REDIS_URL=own_redis.url, **QUICK)
    first = wait_until(lambda: tries(worker) >= 2 and worker.heartbeat.stat().st_mtime, timeout=30)
    assert worker.process.poll() is None  # waiting, not gone
    wait_until(lambda: worker.heartbeat.stat().st_mtime > first, timeout=15)  # and alive while it waits
    own_redis.start()
    put(queue, own_redis, MESSAGE)
    (mail,) = wait_for_mail(sink, timeout=30)
    assert mail["To"] == "Ann <ann@example.com>"
    wait_until(lambda: queue.outcome(MESSAGE["id"]) == "sent", timeout=15)


def test_an_idle_worker_rides_out_redis_restarting_empty(mailer, queue, own_redis, sink, wait_for_mail):
    worker = mailer.start(REDIS_URL=own_redis.url, **QUICK)
    wait_until(lambda: len(registered(own_redis)) == 1, timeout=30)
    own_redis.stop()
    wait_until(lambda: tries(worker) >= 3, timeout=30)
    beat = worker.heartbeat.stat().st_mtime
    wait_until(lambda: worker.heartbeat.stat().st_mtime > beat, timeout=15)
    assert worker.process.poll() is None
    own_redis.start()  # with nothing in it: the worker registers itself again at its next heartbeat
    wait_until(lambda: len(registered(own_redis)) == 1, timeout=30)
    put(queue, own_redis, MESSAGE)
    (mail,) = wait_for_mail(sink, timeout=30)
    assert mail["To"] == "Ann <ann@example.com>" and worker.process.poll() is None


def test_a_worker_whose_redis_goes_away_mid_send_finishes_the_send_and_goes_on(mailer, queue, own_redis, sinks,
                                                                                wait_for_mail):
    gate = threading.Event()
    sink = sinks.start(gate=gate)
    put(queue, own_redis, MESSAGE)
    worker = mailer.start(REDIS_URL=own_redis.url, SMTP_PORT=sink.port, SMTP_TIMEOUT=30, **QUICK)
    try:
        assert sink.held.wait(30)  # its work horse is in the SMTP conversation
        own_redis.stop()
        wait_until(lambda: tries(worker) >= 1, timeout=30)  # the monitor's heartbeat failed: the worker goes on
    finally:
        gate.set()
    (mail,) = wait_for_mail(sink, timeout=30)
    assert mail["To"] == "Ann <ann@example.com>"
    wait_until(lambda: queue.outcome(MESSAGE["id"]) == "sent", timeout=15)  # reported, with Redis away
    assert worker.process.poll() is None
    own_redis.start()
    second = {**MESSAGE, "id": "users:welcome:8"}
    put(queue, own_redis, second)
    assert len(wait_for_mail(sink, count=2, timeout=30)) == 2
    assert worker.process.poll() is None


def test_sigterm_stops_a_worker_waiting_for_redis_at_once(mailer, own_redis):
    own_redis.stop()
    worker = mailer.start(REDIS_URL=own_redis.url, **QUICK)
    wait_until(lambda: tries(worker) >= 2, timeout=30)
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0, worker.log.read_text()
    assert not worker.heartbeat.exists()  # stopped: not alive
