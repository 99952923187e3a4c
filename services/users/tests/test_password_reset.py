"""A forgotten password: the link asked for (the same answer whoever asks), then the new password chosen with it
(once, before it expires, every session ended)."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from shop_common.testing import assert_problem
from users import create_app, links
from users.models import PASSWORD_RESET, AccountToken, User, db

NEW_PASSWORD = "difference engine 1822"
ASKED = {"detail": "If an account has this email, a link to choose a new password is on its way."}
#: the answer time's floor of this module's app: short, so the throttling tests do not take seconds
FLOOR = 0.1


@pytest.fixture(scope="module")
def app(shop_app, jwt_keys):
    return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, PASSWORD_RESET_ANSWER_SECONDS=FLOOR)


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access']}"}


def ask(client, email, address="10.0.0.1"):
    return client.post("/api/auth/password-reset/", json={"email": email}, environ_base={"REMOTE_ADDR": address})


def confirm(client, token, password=NEW_PASSWORD):
    return client.post("/api/auth/password-reset/confirm/", json={"token": token, "password": password})


def tokens_of(app, purpose=PASSWORD_RESET):
    with app.app_context():
        rows = db.session.scalars(select(AccountToken).where(AccountToken.purpose == purpose)
                                  .order_by(AccountToken.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


@pytest.fixture
def alice(register):
    return register("alice", first_name="Alice", last_name="Liddell", language="ru")


# -- asking for the link -------------------------------------------------------------------------------------

def test_asking_emails_a_link_with_a_token_kept_only_as_its_digest(app, client, alice, owed):
    response = ask(client, "  ALICE@example.com ")
    assert response.status_code == 202 and response.get_json() == ASKED
    [message] = owed("password_reset")
    token = message["context"].pop("token")
    [row] = tokens_of(app)
    assert message == {"id": f"users:password_reset:{row.id}", "template": "password_reset",
                       "to": {"email": "alice@example.com", "name": "Alice Liddell"}, "language": "ru",
                       "secret": ["token"], "context": {"username": "alice", "first_name": "Alice", "minutes": 30}}
    assert row.digest == hashlib.sha256(token.encode()).hexdigest() and row.email == "alice@example.com"
    assert abs((row.expires_at - row.created_at).total_seconds() - 1800) < 5


def _comparable(response):
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("date", "x-request-id")}
    return response.status_code, response.get_data(), headers


def test_known_unknown_and_deactivated_emails_get_the_same_answer_no_sooner_than_the_floor(app, client, alice,
                                                                                          register, owed):
    register("dora")
    with app.app_context():
        db.session.execute(update(User).where(User.username == "dora").values(is_active=False))
        db.session.commit()
        db.session.remove()
    answers = []
    for n, email in enumerate(("alice@example.com", "nobody@example.com", "dora@example.com")):
        started = time.perf_counter()
        response = ask(client, email, address=f"10.0.1.{n}")
        assert time.perf_counter() - started >= app.config["SHOP"]["PASSWORD_RESET_ANSWER_SECONDS"] == FLOOR
        answers.append(_comparable(response))
    assert answers[0][0] == 202
    assert answers[1] == answers[0] and answers[2] == answers[0]
    assert [m["to"]["email"] for m in owed("password_reset")] == ["alice@example.com"]  # the active account only


@pytest.mark.parametrize("body", [{"email": "not an email"}, {"email": ""}, {}, {"email": "a@example.com", "x": 1}])
def test_a_malformed_request_is_422_and_sends_nothing(client, alice, owed, body):
    response = client.post("/api/auth/password-reset/", json=body)
    assert_problem(response, 422, "validation_error")
    assert owed("password_reset") == []


def test_an_address_asking_too_often_is_429_with_retry_after_known_email_or_not(client, alice, owed):
    limit = 10  # PASSWORD_RESET_LIMIT_PER_ADDRESS: 10 per 15 minutes
    for n in range(limit):
        assert ask(client, f"stranger{n}@example.com").status_code == 202
    response = ask(client, "alice@example.com")
    body = assert_problem(response, 429, "password_reset_throttled")
    assert int(response.headers["Retry-After"]) > 0 and "from this address" in body["detail"]
    assert owed("password_reset") == []
    assert ask(client, "alice@example.com", address="10.0.0.2").status_code == 202  # another address: its own
    assert len(owed("password_reset")) == 1


def test_past_the_emails_limit_of_an_address_the_answer_stays_202_and_nothing_is_sent(client, alice, owed,
                                                                                      caplog):
    caplog.set_level(logging.INFO, logger="users.credentials")
    limit = 3  # PASSWORD_RESET_LIMIT_PER_ACCOUNT: 3 per hour
    answers = [ask(client, "alice@example.com", address=f"10.0.2.{n}") for n in range(limit + 2)]
    assert {(a.status_code, a.get_data()) for a in answers} == {(202, answers[0].get_data())}
    assert len(owed("password_reset")) == limit
    assert "password reset email withheld: over the limit" in caplog.text


def test_the_emails_limit_counts_unknown_emails_too(client, register, owed):
    for n in range(3):
        assert ask(client, "late@example.com", address=f"10.0.3.{n}").status_code == 202
    register("late")  # the address gets an account after being asked for three times
    assert ask(client, "late@example.com", address="10.0.3.9").status_code == 202
    assert owed("password_reset") == []


# -- choosing the new password -------------------------------------------------------------------------------

def test_the_link_sets_the_password_once_and_verifies_the_email(app, client, alice, link, login, owed, stored):
    assert ask(client, "alice@example.com").status_code == 202
    token = link("password_reset")
    response = confirm(client, token)
    assert response.status_code == 204 and response.get_data() == b""
    assert_problem(client.post("/api/auth/login/", json={"username": "alice", "password": "correct horse battery"}),
                   401, "invalid_credentials")
    login("alice", NEW_PASSWORD)
    user = stored("alice")
    assert user.email_verified and user.verified_email == "alice@example.com" and user.email_verified_at
    # used twice: it worked once
    before = stored("alice").password_hash
    assert_problem(confirm(client, token, "another fine password 7"), 400, "invalid_token")
    assert stored("alice").password_hash == before
    [notice] = owed("password_changed")
    assert notice["id"].startswith(f"users:password_changed:{user.id}:") and notice["to"] == {"user_id": user.id}
    assert "language" not in notice and "secret" not in notice  # the mailer uses the account's language
    at = notice["context"].pop("at")
    assert notice["context"] == {"username": "alice", "first_name": "Alice", "how": "reset"}
    assert at.endswith("+00:00") and at[:4].isdigit()


def test_using_one_link_spends_every_reset_link_of_the_account(app, client, alice, register, link):
    register("bob")
    assert ask(client, "alice@example.com").status_code == 202
    first = link("password_reset")
    assert ask(client, "alice@example.com").status_code == 202
    second = link("password_reset")
    assert ask(client, "bob@example.com").status_code == 202
    assert confirm(client, second).status_code == 204
    assert_problem(confirm(client, first), 400, "invalid_token")
    spent = {row.email: row.used_at is not None for row in tokens_of(app)}
    assert spent == {"alice@example.com": True, "bob@example.com": False}


def test_a_reset_ends_every_session_of_the_account(client, alice, link, login):
    phone, laptop = login("alice"), login("alice")
    rotated = client.post("/api/auth/refresh/", json={"refresh": laptop["refresh"]}).get_json()
    assert ask(client, "alice@example.com").status_code == 202
    assert confirm(client, link("password_reset")).status_code == 204
    for tokens in (phone, rotated):
        assert_problem(client.get("/api/users/profile/", headers=bearer(tokens)), 401, "token_revoked")
        assert_problem(client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}), 401, "token_revoked")
    fresh = login("alice", NEW_PASSWORD)
    assert client.get("/api/users/profile/", headers=bearer(fresh)).status_code == 200


def _move(app, **values):
    with app.app_context():
        db.session.execute(update(AccountToken).values(**values))
        db.session.commit()
        db.session.remove()


def test_an_expired_link_is_refused_and_changes_nothing(app, client, alice, link, stored):
    assert ask(client, "alice@example.com").status_code == 202
    token = link("password_reset")
    _move(app, expires_at=func.now() - timedelta(seconds=1))  # its 30 minutes are over
    before = stored("alice")
    assert_problem(confirm(client, token), 400, "invalid_token")
    after = stored("alice")
    assert (after.password_hash, after.verified_email) == (before.password_hash, None)
    assert tokens_of(app)[0].used_at is None


@pytest.mark.parametrize("case", ["forged", "verification link", "email changed since", "deactivated",
                                  "another account's digest"])
def test_a_link_that_is_not_a_valid_reset_link_is_refused_and_changes_nothing(app, client, alice, link, login,
                                                                             stored, case, make_token):
    assert ask(client, "alice@example.com").status_code == 202
    token = link("password_reset")
    if case == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "verification link":
        token = link("welcome")
    elif case == "email changed since":
        tokens = login("alice")
        assert client.patch("/api/users/profile/", json={"email": "alice@wonderland.example"},
                            headers=bearer(tokens)).status_code == 200
    elif case == "deactivated":
        with app.app_context():
            db.session.execute(update(User).values(is_active=False))
            db.session.commit()
            db.session.remove()
    else:  # the digest itself, as a database leak would give it
        token = tokens_of(app)[0].digest
    before = stored("alice")
    assert_problem(confirm(client, token), 400, "invalid_token")
    after = stored("alice")
    assert (after.password_hash, after.verified_email) == (before.password_hash, before.verified_email)
    assert all(row.used_at is None for row in tokens_of(app))


@pytest.mark.parametrize("password, message", [
    ("password123", "too common"), ("aaaaaaaaaaaa", "two different"), ("my alice password", "username"),
    ("short", "8"), ("x" * 129, "128"),
])
def test_a_weak_password_is_422_and_the_link_still_works(app, client, alice, link, stored, password, message):
    assert ask(client, "alice@example.com").status_code == 202
    token = link("password_reset")
    before = stored("alice").password_hash
    body = assert_problem(confirm(client, token, password), 422, "validation_error")
    assert message in body["errors"]["json"]["password"][0]
    assert stored("alice").password_hash == before and tokens_of(app)[0].used_at is None
    assert confirm(client, token).status_code == 204


def test_a_bad_token_is_400_before_a_weak_password_is_looked_at(client, alice):
    assert_problem(confirm(client, "no such token", "password123"), 400, "invalid_token")


def test_tokens_are_pruned_a_day_after_they_expired(app, client, alice):
    assert ask(client, "alice@example.com").status_code == 202
    with app.app_context():
        assert links.prune() == 0
        db.session.execute(update(AccountToken).where(AccountToken.purpose == PASSWORD_RESET)
                           .values(expires_at=AccountToken.expires_at - timedelta(days=1, hours=1)))
        db.session.commit()
        assert links.prune() == 1
        assert db.session.scalars(select(AccountToken.purpose)).all() == ["verify_email"]  # the welcome's
        db.session.remove()
    assert ("link tokens prune", 3600.0) in [(t.name, t.every) for t in app.extensions["shop_housekeeping"].tasks]


# -- Redis down ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_without_redis(shop_app, jwt_keys):
    # nothing listens on port 1: every Redis call fails at once, as when Redis is down
    return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, REDIS_URL="redis://127.0.0.1:1/0",
                    PASSWORD_RESET_ANSWER_SECONDS=FLOOR)


def test_with_redis_down_a_reset_still_works_unthrottled_and_the_sessions_end_in_postgres(app_without_redis,
                                                                                         password, caplog):
    from users.models import Outbox, RefreshToken, Revocation

    caplog.set_level(logging.WARNING)
    client = app_without_redis.test_client()
    assert client.post("/api/auth/register/", json={"username": "erin", "email": "erin@example.com",
                                                    "password": password}).status_code == 201
    tokens = client.post("/api/auth/login/", json={"username": "erin", "password": password}).get_json()
    for _ in range(12):  # past both limits: throttling is off, not failing
        assert ask(client, "erin@example.com").status_code == 202
    assert "password_reset_throttled: throttling skipped, Redis unusable" in caplog.text
    assert "password_reset_email: throttling skipped, Redis unusable" in caplog.text
    with app_without_redis.app_context():
        messages = [row.message for row in db.session.scalars(select(Outbox).order_by(Outbox.id))]
        db.session.remove()
    token = [m for m in messages if m["template"] == "password_reset"][-1]["context"]["token"]
    assert confirm(client, token).status_code == 204
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}), 401, "token_revoked")
    with app_without_redis.app_context():
        assert db.session.scalars(select(RefreshToken.revoked_at)).one() is not None
        assert db.session.scalars(select(Revocation.kind)).all() == ["family"]  # mirrored once Redis is back
        db.session.remove()
    assert app_without_redis.extensions["users_revocations"].behind
    assert client.post("/api/auth/login/", json={"username": "erin", "password": NEW_PASSWORD}).status_code == 200

