"""The welcome email is owed with the account (the outbox), and the mailer can look an account up."""

from __future__ import annotations

import redis
from rq import Queue

from shop_common import mailqueue, outbox
from shop_common.testing import SERVICE_TOKEN, assert_problem
from users.models import Outbox, db


def owed(app) -> list[dict]:
    with app.app_context():
        rows = [row.message for row in db.session.query(Outbox).order_by(Outbox.id)]
        db.session.remove()
        return rows


def test_registering_owes_one_welcome_email_in_the_same_transaction(app, client, register):
    user = register("alice", first_name="Alice")
    assert owed(app) == [{"id": f"users:welcome:{user['id']}", "template": "welcome",
                          "to": {"email": "alice@example.com", "name": "Alice"},
                          "context": {"username": "alice", "first_name": "Alice"}}]
    client.post("/api/auth/register/", json={"username": "alice", "email": "x@example.com",
                                             "password": "correct horse battery"})  # 409: owes nothing
    assert len(owed(app)) == 1


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
                                   "first_name": "Alice", "last_name": ""}
    assert_problem(client.get("/internal/users/999999/", headers={"X-Service-Token": SERVICE_TOKEN}), 404,
                   "user_not_found")


def test_relayed_emails_are_pruned_after_their_keeping_time(app, register):
    from datetime import timedelta

    from sqlalchemy import func, update

    register("alice")
    register("bob")
    with app.app_context():
        outbox.relay(db)
        db.session.execute(update(Outbox).where(Outbox.key.like("welcome:1")).values(
            relayed_at=func.now() - timedelta(days=outbox.KEEP_DAYS, seconds=1)))
        db.session.commit()
        assert outbox.prune(db) == 1
        assert [row.key for row in db.session.query(Outbox)] == ["welcome:2"]
        db.session.remove()
