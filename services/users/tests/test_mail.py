"""The welcome email is owed with the account (the outbox), and the mailer can look an account up."""

from __future__ import annotations

import hashlib

import pytest
import redis
from rq import Queue
from rq.job import Job
from sqlalchemy import func, select

from shop_common import mailqueue, outbox
from shop_common.testing import SERVICE_TOKEN, assert_problem, empty, wait_until
from users.models import VERIFY_EMAIL, AccountToken, Outbox, db

SERVICE = {"X-Service-Token": SERVICE_TOKEN}


def owed(app) -> list[dict]:
    with app.app_context():
        rows = [row.message for row in db.session.query(Outbox).order_by(Outbox.id)]
        db.session.remove()
        return rows


def test_registering_owes_one_welcome_email_with_the_verification_link_in_the_same_transaction(app, client,
                                                                                            register):
    user = register("alice", first_name="Alice", last_name="Liddell", language="ru")
    [message] = owed(app)
    token = message["context"].pop("token")
    assert message == {"id": f"users:welcome:{user['id']}", "template": "welcome",
                       "to": {"email": "alice@example.com", "name": "Alice Liddell"}, "language": "ru",
                       "secret": ["token"], "context": {"username": "alice", "first_name": "Alice", "hours": 24}}
    with app.app_context():
        row = db.session.scalars(select(AccountToken)).one()
        # only the digest is kept; the token is the email's alone
        assert (row.user_id, row.purpose, row.email) == (user["id"], VERIFY_EMAIL, "alice@example.com")
        assert row.digest == hashlib.sha256(token.encode()).hexdigest() and token not in row.digest
        assert len(token) >= 43 and row.used_at is None
        assert abs((row.expires_at - row.created_at).total_seconds() - 24 * 3600) < 5
        db.session.remove()
    client.post("/api/auth/register/", json={"username": "alice", "email": "x@example.com",
                                             "password": "correct horse battery"})  # 409: owes nothing
    assert len(owed(app)) == 1


def test_a_welcome_without_names_is_addressed_to_the_username(app, register):
    register("bob")
    assert owed(app)[0]["to"] == {"email": "bob@example.com", "name": "bob"}


def test_a_staff_account_made_from_the_command_line_gets_no_welcome(app):
    result = app.test_cli_runner().invoke(args=["create-staff", "root", "root@example.com", "--generate-password"])
    assert result.exit_code == 0, result.output
    assert owed(app) == []


def test_the_relay_hands_the_welcome_to_the_mail_queue_once(app, register):
    register("alice")
    with app.app_context():
        assert outbox.relay(db) == 1
        assert outbox.relay(db) == 0  # handed over: not again
        assert outbox.waiting(db) == 0
        assert outbox.unsent(db) == 1  # and still owed, until the mailer says it sent it
        db.session.remove()
    queue = Queue(mailqueue.QUEUE, connection=redis.Redis.from_url(app.config["SHOP"]["REDIS_URL"]))
    [job] = queue.get_jobs()
    assert job.func_name == mailqueue.JOB and job.args[0]["template"] == "welcome"
    assert job.retries_left == len(app.config["SHOP"]["MAIL_RETRY_SECONDS"])


def test_while_redis_is_down_the_email_waits_in_the_outbox(shop_app, jwt_keys):
    from users import create_app

    app = shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().post("/api/auth/register/", json={
        "username": "bob", "email": "bob@example.com", "password": "correct horse battery"})
    assert response.status_code == 201  # registering does not need the mail queue
    with app.app_context():
        assert outbox.relay(db) == 0
        assert outbox.waiting(db) == 1
        row = db.session.query(Outbox).one()
        assert row.attempts == 1 and "ConnectionError" in row.last_error
        db.session.remove()


def test_the_internal_lookup_needs_the_service_credential(client, register):
    user = register("alice", first_name="Alice")
    path = f"/internal/users/{user['id']}/"
    assert_problem(client.get(path), 401, "invalid_service_token")
    assert_problem(client.get(path, headers={"X-Service-Token": "guess"}), 401, "invalid_service_token")
    response = client.get(path, headers={"X-Service-Token": SERVICE_TOKEN})
    assert response.status_code == 200
    assert response.get_json() == {"id": user["id"], "username": "alice", "email": "alice@example.com",
                                   "first_name": "Alice", "last_name": "", "language": "en",
                                   "notify_email": "alice@example.com"}
    assert_problem(client.get("/internal/users/999999/", headers={"X-Service-Token": SERVICE_TOKEN}), 404,
                   "user_not_found")


def test_reported_emails_are_pruned_after_their_keeping_time_and_owed_ones_never(app, client, register):
    from datetime import timedelta

    from sqlalchemy import update

    for name in ("alice", "bob", "carol"):
        register(name)
    with app.app_context():
        outbox.relay(db)
        db.session.remove()
    for key in ("welcome:1", "welcome:2"):
        assert client.put(f"/internal/outbox/{key}/", json={"outcome": "sent"}, headers=SERVICE).status_code == 200
    long_ago = func.now() - timedelta(days=outbox.KEEP_DAYS, seconds=1)
    with app.app_context():
        db.session.execute(update(Outbox).where(Outbox.key == "welcome:1").values(relayed_at=long_ago,
                                                                                 done_at=long_ago))
        db.session.execute(update(Outbox).where(Outbox.key == "welcome:3").values(relayed_at=long_ago))
        db.session.commit()
        assert outbox.prune(db) == 1  # welcome:1, reported long ago; welcome:3 was never reported, so stays
        assert [row.key for row in db.session.query(Outbox).order_by(Outbox.id)] == ["welcome:2", "welcome:3"]
        db.session.remove()


def state(client, key: str) -> dict:
    response = client.get(f"/internal/outbox/{key}/", headers=SERVICE)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_email_stays_owed_until_the_mailer_reports_it_and_the_first_sent_stands(app, client, register):
    register("alice")
    assert state(client, "welcome:1") == {"key": "welcome:1", "outcome": None, "done_at": None}
    sent = client.put("/internal/outbox/welcome:1/", json={"outcome": "sent"}, headers=SERVICE)
    assert sent.status_code == 200 and sent.get_json()["outcome"] == "sent" and sent.get_json()["done_at"]
    with app.app_context():
        assert (outbox.waiting(db), outbox.unsent(db)) == (0, 0)
        db.session.remove()
    # a copy's report, or a late failure, changes nothing
    for outcome in ("sent", "failed", "dropped"):
        again = client.put("/internal/outbox/welcome:1/", json={"outcome": outcome, "error": "x"}, headers=SERVICE)
        assert again.get_json() == sent.get_json()


def test_a_failed_email_turns_sent_when_an_operators_retry_sends_it(client, register):
    register("alice")
    failed = client.put("/internal/outbox/welcome:1/", json={"outcome": "failed", "error": "UnknownTemplate: x"},
                        headers=SERVICE)
    assert failed.get_json()["outcome"] == "failed"
    assert client.put("/internal/outbox/welcome:1/", json={"outcome": "sent"}, headers=SERVICE).status_code == 200
    assert state(client, "welcome:1")["outcome"] == "sent"


def test_the_outbox_endpoint_needs_the_credential_a_known_key_and_a_known_outcome(client, register):
    register("alice")
    assert_problem(client.get("/internal/outbox/welcome:1/"), 401, "invalid_service_token")
    assert_problem(client.put("/internal/outbox/welcome:1/", json={"outcome": "sent"}), 401, "invalid_service_token")
    assert_problem(client.get("/internal/outbox/welcome:999/", headers=SERVICE), 404, "message_not_found")
    assert_problem(client.put("/internal/outbox/welcome:999/", json={"outcome": "sent"}, headers=SERVICE), 404,
                   "message_not_found")
    body = assert_problem(client.put("/internal/outbox/welcome:1/", json={"outcome": "lost"}, headers=SERVICE), 422)
    assert "outcome" in body["errors"]["json"]
    assert state(client, "welcome:1")["outcome"] is None


@pytest.fixture(scope="module")
def quick_app(shop_app, jwt_keys):
    """The users app handing over again an email whose job has been gone from Redis for 1 s (not 90)."""
    from users import create_app

    return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, MAIL_REHAND_SECONDS=1.0)


def test_an_email_whose_job_redis_lost_is_handed_over_again_once_it_stays_gone(quick_app):
    empty(quick_app)
    client, queue = quick_app.test_client(), redis.Redis.from_url(quick_app.config["SHOP"]["REDIS_URL"])
    for name in ("alice", "bob"):
        assert client.post("/api/auth/register/", json={"username": name, "email": f"{name}@example.com",
                                                         "password": "correct horse battery"}).status_code == 201
    job_ids = [mailqueue.job_id(f"users:welcome:{n}") for n in (1, 2)]
    with quick_app.app_context():
        assert outbox.relay(db) == 2
        assert outbox.recheck(db) == 0  # both jobs there: nothing to do
        assert client.put("/internal/outbox/welcome:2/", json={"outcome": "sent"}, headers=SERVICE).status_code == 200
        queue.flushdb()  # Redis restarted empty: both jobs gone, one of them reported sent already
        assert outbox.recheck(db) == 0  # gone just now: a send in progress may still report
        assert db.session.scalar(select(Outbox.lost_at).where(Outbox.key == "welcome:1")) is not None
        db.session.remove()
        assert wait_until(lambda: outbox.recheck(db), timeout=15) == 1  # once the grace is over: welcome:1 only
        assert outbox.waiting(db) == 1 and outbox.relay(db) == 1
        assert queue.exists(Job.key_for(job_ids[0])) and not queue.exists(Job.key_for(job_ids[1]))
        assert outbox.recheck(db) == 0 and outbox.relay(db) == 0
        row = db.session.scalars(select(Outbox).where(Outbox.key == "welcome:1")).one()
        assert row.lost_at is None and row.outcome is None
        db.session.remove()


def test_while_redis_is_down_the_recheck_changes_nothing(shop_app, jwt_keys):
    from users import create_app

    app = shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        db.session.add(Outbox(key="welcome:1", message={"id": "users:welcome:1"}, relayed_at=func.now()))
        db.session.commit()
        assert outbox.recheck(db) == 0
        assert db.session.scalars(select(Outbox)).one().lost_at is None  # Redis said nothing: nothing is lost
        db.session.remove()


def test_a_links_token_leaves_the_outbox_once_its_email_is_sent_and_other_context_stays(app, client, register):
    register("alice")
    register("bob")
    failed = client.put("/internal/outbox/welcome:1/", json={"outcome": "failed", "error": "SMTP 554"},
                        headers=SERVICE)
    assert failed.status_code == 200
    assert "token" in owed(app)[0]["context"]  # an operator's retry still needs it
    for key, outcome in (("welcome:1", "sent"), ("welcome:2", "dropped")):
        assert client.put(f"/internal/outbox/{key}/", json={"outcome": outcome}, headers=SERVICE).status_code == 200
    for message, name in zip(owed(app), ("alice", "bob"), strict=True):
        assert message["context"] == {"username": name, "first_name": "", "hours": 24}
        assert message["secret"] == ["token"] and message["to"]["email"] == f"{name}@example.com"


def test_a_message_without_secrets_is_kept_whole_once_sent(app):
    with app.app_context(), app.test_request_context():
        outbox.owe(db, "plain:1", "welcome", {"user_id": 1}, {"token": "not a secret here"})
        db.session.commit()
        row = outbox.report(db, "plain:1", outbox.SENT)
        assert row.message == {"id": "users:plain:1", "template": "welcome", "to": {"user_id": 1},
                               "context": {"token": "not a secret here"}}
        db.session.remove()
