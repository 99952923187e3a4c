"""A verified email: the welcome's link verifies it, a changed email waits for its own link (order emails keep
going to the verified one meanwhile), the link can be sent again (throttled), and staff can see who is
verified."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from shop_common.testing import SERVICE_TOKEN, assert_problem
from users import create_app
from users.models import VERIFY_EMAIL, AccountToken, User, db

SERVICE = {"X-Service-Token": SERVICE_TOKEN}


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access']}"}


def verify(client, token, headers=None):
    return client.post("/api/auth/verify-email/", json={"token": token}, headers=headers or {})


def profile(client, tokens):
    response = client.get("/api/users/profile/", headers=bearer(tokens))
    assert response.status_code == 200
    return response.get_json()


def resend(client, tokens):
    return client.post("/api/auth/verify-email/resend/", headers=bearer(tokens))


@pytest.fixture
def alice(register, login):
    """alice, registered (her welcome owed) and logged in: her tokens."""
    register("alice", first_name="Alice", language="ru")
    return login("alice")


def test_the_welcomes_link_verifies_the_email_once(client, alice, link, stored):
    assert profile(client, alice)["email_verified"] is False
    token = link("welcome")
    response = verify(client, token)
    assert response.status_code == 204 and response.get_data() == b""
    body = profile(client, alice)
    assert (body["email_verified"], body["verified_email"]) == (True, "alice@example.com")
    assert stored("alice").email_verified_at is not None
    assert_problem(verify(client, token), 400, "invalid_token")


def test_the_link_works_with_its_own_accounts_token_and_not_with_anothers(client, alice, register, login,
                                                                          stored):
    register("bob")
    bob = login("bob")
    alices = owed_token(client, "alice")
    assert_problem(verify(client, alices, headers=bearer(bob)), 400, "invalid_token")
    assert stored("alice").verified_email is None
    assert verify(client, alices, headers=bearer(alice)).status_code == 204
    assert stored("alice").email_verified and not stored("bob").email_verified


def owed_token(client, username):
    # the welcome of `username`, as the outbox holds it
    from users.models import Outbox

    app = client.application
    with app.app_context():
        messages = [row.message for row in db.session.scalars(select(Outbox).order_by(Outbox.id))]
        db.session.remove()
    return next(m for m in messages if m["template"] == "welcome" and m["context"]["username"] == username)[
        "context"]["token"]


def test_an_invalid_access_token_with_the_link_is_401(client, alice, link, make_token, stored):
    assert_problem(verify(client, link("welcome"), headers={"Authorization": "Bearer nonsense"}), 401,
                   "invalid_token")
    expired = make_token(1, exp=1)
    assert_problem(verify(client, link("welcome"), headers={"Authorization": f"Bearer {expired}"}), 401)
    assert stored("alice").verified_email is None


@pytest.mark.parametrize("case", ["expired", "reset link", "forged", "deactivated"])
def test_a_link_that_is_not_a_valid_verification_link_is_refused_and_changes_nothing(app, client, alice, link,
                                                                                    stored, case):
    token = link("welcome")
    if case == "expired":
        with app.app_context():
            db.session.execute(update(AccountToken).values(expires_at=func.now() - timedelta(seconds=1)))
            db.session.commit()
            db.session.remove()
    elif case == "reset link":
        assert client.post("/api/auth/password-reset/", json={"email": "alice@example.com"}).status_code == 202
        token = link("password_reset")
    elif case == "forged":
        token = "A" * len(token)
    else:
        with app.app_context():
            db.session.execute(update(User).values(is_active=False))
            db.session.commit()
            db.session.remove()
    assert_problem(verify(client, token), 400, "invalid_token")
    user = stored("alice")
    assert (user.verified_email, user.email_verified_at) == (None, None)
    with app.app_context():
        assert db.session.scalars(select(AccountToken.used_at)).all() == [None] * (2 if case == "reset link" else 1)
        db.session.remove()


def test_a_changed_email_is_sent_its_own_link_while_emails_go_to_the_verified_one(client, alice, link, owed):
    assert verify(client, link("welcome")).status_code == 204
    old_link = link("welcome")
    changed = client.patch("/api/users/profile/", json={"email": "alice@wonderland.example"}, headers=bearer(alice))
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["email"], body["email_verified"], body["verified_email"]) == (
        "alice@wonderland.example", False, "alice@example.com")
    [message] = owed("verify_email")
    token = message["context"].pop("token")
    assert message["id"].startswith("users:verify:") and message["template"] == "verify_email"
    assert message["to"] == {"email": "alice@wonderland.example", "name": "Alice"}
    assert (message["language"], message["secret"]) == ("ru", ["token"])
    assert message["context"] == {"username": "alice", "first_name": "Alice", "hours": 24}
    internal = client.get("/internal/users/1/", headers=SERVICE).get_json()
    assert (internal["email"], internal["notify_email"]) == ("alice@wonderland.example", "alice@example.com")

    assert_problem(verify(client, old_link), 400, "invalid_token")  # spent, and for another email
    assert verify(client, token).status_code == 204
    body = profile(client, alice)
    assert (body["email_verified"], body["verified_email"]) == (True, "alice@wonderland.example")
    assert client.get("/internal/users/1/", headers=SERVICE).get_json()["notify_email"] == "alice@wonderland.example"


def test_a_link_to_an_address_given_up_no_longer_verifies(client, alice, link):
    first = link("welcome")
    assert client.patch("/api/users/profile/", json={"email": "alice@wonderland.example"},
                        headers=bearer(alice)).status_code == 200
    assert_problem(verify(client, first), 400, "invalid_token")


def test_changing_back_to_the_verified_address_verifies_it_again_with_no_email(client, alice, link, owed):
    assert verify(client, link("welcome")).status_code == 204
    for email in ("alice@wonderland.example", "ALICE@example.com"):
        assert client.patch("/api/users/profile/", json={"email": email}, headers=bearer(alice)).status_code == 200
    body = profile(client, alice)
    assert (body["email"], body["email_verified"], body["verified_email"]) == (
        "ALICE@example.com", True, "ALICE@example.com")
    assert len(owed("verify_email")) == 1  # the wonderland one only


def test_changing_only_names_owes_no_link(client, alice, owed):
    assert client.patch("/api/users/profile/", json={"first_name": "Al"}, headers=bearer(alice)).status_code == 200
    assert client.patch("/api/users/profile/", json={"email": "Alice@Example.com"},
                        headers=bearer(alice)).status_code == 200  # the same address
    assert owed("verify_email") == []


def test_the_link_can_be_sent_again_with_a_new_token_throttled(client, alice, link, owed):
    first = link("welcome")
    response = resend(client, alice)
    assert response.status_code == 202
    assert response.get_json() == {"detail": "A new link is on its way to alice@example.com."}
    [message] = owed("verify_email")
    assert message["to"]["email"] == "alice@example.com" and message["context"]["token"] != first
    again = resend(client, alice)  # VERIFY_RESEND_LIMIT_PER_ACCOUNT: 1 per minute
    assert_problem(again, 429, "verification_throttled")
    assert int(again.headers["Retry-After"]) > 0
    assert len(owed("verify_email")) == 1
    assert verify(client, first).status_code == 204  # either link works, once
    assert_problem(verify(client, link("verify_email")), 400, "invalid_token")


def test_an_email_verified_already_is_not_sent_again(client, alice, link, owed):
    assert verify(client, link("welcome")).status_code == 204
    assert_problem(resend(client, alice), 409, "email_already_verified")
    assert owed("verify_email") == []


def test_sending_the_link_again_needs_a_token(client, alice):
    assert_problem(client.post("/api/auth/verify-email/resend/"), 401, "not_authenticated")


def test_registering_takes_the_language_of_the_emails_and_the_profile_changes_it(client, alice, register, login):
    assert profile(client, alice)["language"] == "ru"
    changed = client.patch("/api/users/profile/", json={"language": "en"}, headers=bearer(alice))
    assert changed.status_code == 200 and changed.get_json()["language"] == "en"
    assert client.get("/internal/users/1/", headers=SERVICE).get_json()["language"] == "en"
    register("bob")
    assert profile(client, login("bob"))["language"] == "en"  # by default
    for bad in ("de", "", None, 1):
        body = assert_problem(client.patch("/api/users/profile/", json={"language": bad}, headers=bearer(alice)),
                              422, "validation_error")
        assert "language" in body["errors"]["json"]
        body = assert_problem(client.post("/api/auth/register/", json={
            "username": "carol", "email": "carol@example.com", "password": "correct horse battery",
            "language": bad}), 422, "validation_error")
        assert "language" in body["errors"]["json"]


# -- Redis down ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_without_redis(shop_app, jwt_keys):
    # nothing listens on port 1: every Redis call fails at once, as when Redis is down
    return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, REDIS_URL="redis://127.0.0.1:1/0")


def test_with_redis_down_verifying_and_sending_again_still_work(app_without_redis, password, caplog):
    caplog.set_level(logging.WARNING)
    client = app_without_redis.test_client()
    assert client.post("/api/auth/register/", json={"username": "erin", "email": "erin@example.com",
                                                    "password": password}).status_code == 201
    tokens = client.post("/api/auth/login/", json={"username": "erin", "password": password}).get_json()
    for _ in range(3):  # past the limit: throttling is off, not failing
        assert resend(client, tokens).status_code == 202
    assert "verification_throttled: throttling skipped, Redis unusable" in caplog.text
    assert verify(client, owed_token(client, "erin"), headers=bearer(tokens)).status_code == 204
    assert profile(client, tokens)["email_verified"] is True
    with app_without_redis.app_context():
        spent = db.session.scalars(select(AccountToken.used_at).where(AccountToken.purpose == VERIFY_EMAIL)).all()
        db.session.remove()
    assert len(spent) == 4 and all(spent)  # the welcome's and the three sent again: spent together
