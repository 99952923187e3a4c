"""The job and its settings in this process (the worker tests run them in subprocesses): what the settings
require, that a send never takes a claim another send holds, and that the owing service's record, not Redis,
has the last word on whether a message was sent."""

import threading

import pytest

from mailer import config, jobs
from shop_common import manifest
from shop_common.config import SettingsError
from shop_common.http import ServiceUnavailable
from shop_common.testing import SERVICE_TOKEN


@pytest.fixture
def environment(monkeypatch, redis_url, users_server, orders_server, sink, tmp_path):
    """SHOP_* for an in-process send to `sink`; the job's cached settings are forgotten before and after."""
    for name, value in {"ENV": "test", "REDIS_URL": redis_url, "USERS_URL": users_server.url,
                        "ORDERS_URL": orders_server.url,
                        "SERVICE_TOKEN": SERVICE_TOKEN, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port),
                        "SMTP_SECURITY": "none", "VAR_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(f"SHOP_{name}", value)
    jobs.reset()
    yield
    jobs.reset()


def test_the_users_url_is_required_outside_development(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOP_VAR_DIR", str(tmp_path))
    for name in ("USERS_URL", "ORDERS_URL", "REDIS_URL", "ENV"):
        monkeypatch.delenv(f"SHOP_{name}", raising=False)
    with pytest.raises(SettingsError) as refused:
        config.load()
    assert all(f"SHOP_{name}_URL is required" in str(refused.value) for name in ("USERS", "ORDERS", "REDIS"))
    settings = config.load({"ENV": "development", "REDIS_URL": "redis://localhost:6379/0"})
    assert settings["USERS_URL"] == f"http://localhost:{manifest.load().services['users'].port}"
    # SMTP has no development defaults: the local stack names its sink
    assert (settings["SMTP_PORT"], settings["SMTP_SECURITY"], settings["MAIL_CLAIM_SECONDS"]) == (587, "starttls", 90)


def test_a_malformed_from_address_is_refused(monkeypatch):
    monkeypatch.setenv("SHOP_MAIL_FROM", "the shop")
    with pytest.raises(SettingsError, match="SHOP_MAIL_FROM"):
        config.load({"REDIS_URL": "redis://localhost:6379/0", "USERS_URL": "http://users", "ORDERS_URL": "http://o"})


def test_a_send_finding_the_message_claimed_sends_nothing_and_leaves_the_claim(environment, queue, redis, sink):
    key = jobs.CLAIM_PREFIX + "users:welcome:9"
    redis.set(key, "sending:another-worker", ex=60)
    message = {"id": "users:welcome:9", "template": "welcome", "to": {"email": "di@example.com"},
               "context": {"username": "di", "first_name": ""}}
    queue.owe(message)
    with pytest.raises(jobs.MessageBusy):
        jobs.send(message)
    assert redis.get(key) == b"sending:another-worker" and sink.received() == []
    redis.delete(key)  # the other worker failed and gave it back
    assert jobs.send(message) == "sent"
    assert jobs.send(message) == "duplicate"
    (mail,) = sink.received()
    assert mail["To"] == "di@example.com" and mail["Subject"] == "Welcome to Shop, di!"


def test_a_failed_send_gives_its_claim_back_and_is_reported_failed(environment, queue, redis, sink):
    message = {"id": "users:welcome:10", "template": "no_such_email", "to": {"email": "ed@example.com"}}
    queue.owe(message)
    with pytest.raises(jobs.UnknownTemplate):
        jobs.send(message)
    assert not redis.exists(jobs.CLAIM_PREFIX + "users:welcome:10")
    assert queue.outcome("users:welcome:10") == "failed"
    phone = {"id": "users:welcome:11", "template": "welcome", "to": {"phone": "+1 555"}, "context": {}}
    queue.owe(phone)
    with pytest.raises(jobs.BadMessage):
        jobs.send(phone)
    for not_ours in ("products:review:1", "welcome:12", "nothing"):  # no service of the mailer's owes these
        with pytest.raises(jobs.BadMessage, match="not `<service>:<key>`"):
            jobs.send({**phone, "id": not_ours})
    assert sink.received() == []


def test_a_name_with_a_line_break_is_sent_on_one_line(environment, queue, sink):
    """A name is the user's own text (registration, profile): a line break in it must not fail every email
    to them (no header may hold one) until the job gives up."""
    message = {"id": "users:welcome:12", "template": "welcome",
               "to": {"email": "eve@example.com", "name": "Eve\r\nBcc: mallory@example.com"},
               "context": {"username": "eve", "first_name": "Eve"}}
    queue.owe(message)
    assert jobs.send(message) == "sent"
    (mail,) = sink.received()
    assert mail["To"] == '"Eve Bcc: mallory@example.com" <eve@example.com>'
    assert mail["X-Envelope-To"] == "<eve@example.com>" and mail["Bcc"] is None


@pytest.fixture
def not_users():
    """An HTTP server that is not the users service: a 404 problem for every path, as the gateway answers
    `/internal/` and as any other service answers a route it does not have."""
    import json
    import threading

    from werkzeug.serving import make_server

    def app(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "application/problem+json")])
        return [json.dumps({"type": "about:blank", "title": "Not Found", "status": 404, "code": "not_found"}).encode()]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_404_that_is_not_users_saying_the_account_is_gone_drops_nothing(environment, monkeypatch, not_users, queue,
                                                                          redis, sink, make_order):
    """SHOP_USERS_URL pointing at the gateway (or at another service) must fail loudly and be retried, not
    mark every order email as sent to nobody."""
    monkeypatch.setenv("SHOP_USERS_URL", not_users)
    jobs.reset()
    message = {"id": "orders:order:42:confirmation", "template": "order_confirmation", "to": {"user_id": 7},
               "context": {"order": make_order()}}
    queue.owe(message)
    with pytest.raises(RuntimeError, match="users answered 404"):
        jobs.send(message)
    assert not redis.exists(jobs.CLAIM_PREFIX + message["id"]) and sink.received() == []
    assert queue.outcome(message["id"]) is None  # still owed: retried


WELCOME = {"id": "users:welcome:20", "template": "welcome", "to": {"email": "fay@example.com", "name": "Fay"},
           "context": {"username": "fay", "first_name": "Fay"}}


def test_a_sent_message_is_not_sent_again_after_redis_lost_its_claim(environment, queue, redis, sink):
    queue.owe(WELCOME)
    assert jobs.send(WELCOME) == "sent"
    assert queue.outcome(WELCOME["id"]) == "sent" and redis.get(jobs.CLAIM_PREFIX + WELCOME["id"]) == b"sent"
    redis.flushdb()  # Redis restarted empty, and a copy of the job runs (a failover's replica had it, say)
    assert jobs.send(WELCOME) == "duplicate"
    assert len(sink.received()) == 1
    assert redis.get(jobs.CLAIM_PREFIX + WELCOME["id"]) == b"sent"  # the claim is back, from the owing service


def test_a_message_its_service_does_not_owe_is_not_sent(environment, queue, redis, sink):
    queue.owe({"id": "users:welcome:1", "template": "welcome", "to": {"email": "x@example.com"}, "context": {}})
    assert jobs.send(WELCOME) == "not owed"  # users has no row welcome:20 (pruned long after it was sent)
    assert sink.received() == [] and not redis.exists(jobs.CLAIM_PREFIX + WELCOME["id"])


def test_a_report_that_fails_is_retried_without_sending_again(environment, monkeypatch, queue, redis, sinks,
                                                              users_server):
    gate = threading.Event()
    sink = sinks.start(gate=gate)
    monkeypatch.setenv("SHOP_SMTP_PORT", str(sink.port))
    jobs.reset()
    queue.owe(WELCOME)
    try:
        users_server.switch.mode = "failing"  # the users service answers 500: the job asks first, so sends nothing
        with pytest.raises(ServiceUnavailable):
            jobs.send(WELCOME)
        assert not redis.exists(jobs.CLAIM_PREFIX + WELCOME["id"])
        users_server.switch.mode = "normal"

        failures = []

        def send_and_fail_to_report():
            try:
                jobs.send(WELCOME)
            except ServiceUnavailable as exc:
                failures.append(exc)

        sending = threading.Thread(target=send_and_fail_to_report)
        sending.start()
        assert sink.held.wait(10)  # asked, and in the SMTP conversation: now the users service fails
        users_server.switch.mode = "failing"
        gate.set()
        sending.join(30)
        # sent, not reported
        assert len(failures) == 1 and len(sink.received()) == 1 and queue.outcome(WELCOME["id"]) is None
        assert redis.get(jobs.CLAIM_PREFIX + WELCOME["id"]) == b"sent"
        for _ in range(2):  # RQ's retries while users is still failing: no second email
            with pytest.raises(ServiceUnavailable):
                jobs.send(WELCOME)
        users_server.switch.mode = "normal"
        assert jobs.send(WELCOME) == "duplicate"  # the retry that gets through only reports
    finally:
        users_server.switch.mode = "normal"
        gate.set()
    assert len(sink.received()) == 1 and queue.outcome(WELCOME["id"]) == "sent"
