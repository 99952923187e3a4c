"""Changing the password: the current one must be right (guesses throttled as logins are); every other session
ends, this one goes on with a new pair."""

from __future__ import annotations

import pytest

from shop_common.testing import assert_problem
from users import create_app

NEW_PASSWORD = "difference engine 1822"


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access']}"}


def change(client, tokens, current, new=NEW_PASSWORD):
    return client.post("/api/users/password/", json={"current_password": current, "new_password": new},
                       headers=bearer(tokens))


@pytest.fixture
def alice(register):
    return register("alice", first_name="Alice")


def test_a_change_ends_every_other_session_and_this_one_goes_on_with_a_new_pair(client, alice, login, password,
                                                                               owed):
    this, other = login("alice"), login("alice")
    response = change(client, this, password)
    assert response.status_code == 200
    pair = response.get_json()
    assert set(pair) == {"access", "refresh", "token_type", "expires_in"} and pair["token_type"] == "Bearer"

    # the other session is over, both its tokens
    assert_problem(client.get("/api/users/profile/", headers=bearer(other)), 401, "token_revoked")
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": other["refresh"]}), 401, "token_revoked")
    # this one: its old access token lives out its minutes, its old refresh token is dead, the new pair works
    assert client.get("/api/users/profile/", headers=bearer(this)).status_code == 200
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": this["refresh"]}), 401, "token_revoked")
    assert client.get("/api/users/profile/", headers=bearer(pair)).status_code == 200
    refreshed = client.post("/api/auth/refresh/", json={"refresh": pair["refresh"]})
    assert refreshed.status_code == 200
    assert client.get("/api/users/profile/", headers=bearer(refreshed.get_json())).status_code == 200

    assert_problem(client.post("/api/auth/login/", json={"username": "alice", "password": password}), 401,
                   "invalid_credentials")
    login("alice", NEW_PASSWORD)
    [notice] = owed("password_changed")
    assert notice["to"] == {"user_id": alice["id"]} and notice["context"]["how"] == "changed"
    assert {k: notice["context"][k] for k in ("username", "first_name")} == {"username": "alice",
                                                                             "first_name": "Alice"}


def test_the_new_pair_is_of_the_same_session_so_logging_out_ends_it(client, alice, login, password):
    this = login("alice")
    pair = change(client, this, password).get_json()
    out = client.post("/api/auth/logout/", json={"refresh": pair["refresh"]}, headers=bearer(this))
    assert out.status_code == 204  # the caller's old access token and the new refresh token: one session
    assert_problem(client.get("/api/users/profile/", headers=bearer(pair)), 401, "token_revoked")


def test_a_wrong_current_password_is_400_and_changes_nothing(client, alice, login, password, stored, owed):
    this, other = login("alice"), login("alice")
    before = stored("alice").password_hash
    body = assert_problem(change(client, this, "not my password"), 400, "wrong_password")
    assert "current_password" in body["errors"]["json"]
    assert stored("alice").password_hash == before and owed("password_changed") == []
    for tokens in (this, other):
        assert client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}).status_code == 200


@pytest.mark.parametrize("new, message", [
    ("password123", "too common"), ("abababababab", "two different"), ("alice in chains", "username"),
    ("short", "8"), ("correct horse battery", "other than the current"),
])
def test_a_weak_or_unchanged_new_password_is_422_and_changes_nothing(client, alice, login, password, stored,
                                                                    new, message):
    this = login("alice")
    before = stored("alice").password_hash
    body = assert_problem(change(client, this, password, new), 422, "validation_error")
    assert message in body["errors"]["json"]["new_password"][0]
    assert stored("alice").password_hash == before
    assert client.post("/api/auth/refresh/", json={"refresh": this["refresh"]}).status_code == 200


def test_guessing_the_current_password_is_throttled_as_logins_are(client, alice, login, password):
    this = login("alice")
    for _ in range(5):  # LOGIN_LIMIT_PER_ACCOUNT_ADDRESS: 5 a minute
        assert_problem(change(client, this, "a guess at it"), 400, "wrong_password")
    response = change(client, this, password)
    assert_problem(response, 429, "login_throttled")
    assert int(response.headers["Retry-After"]) > 0
    # and logging in from here counts the same attempts
    assert_problem(client.post("/api/auth/login/", json={"username": "alice", "password": password}), 429,
                   "login_throttled")


def test_changing_the_password_needs_a_token_and_a_well_formed_body(client, alice, login):
    assert_problem(client.post("/api/users/password/", json={"current_password": "x", "new_password": NEW_PASSWORD}),
                   401, "not_authenticated")
    this = login("alice")
    for body in ({}, {"current_password": "x"}, {"new_password": NEW_PASSWORD}, {"current_password": "",
                                                                                 "new_password": NEW_PASSWORD}):
        assert_problem(client.post("/api/users/password/", json=body, headers=bearer(this)), 422, "validation_error")


def test_a_deactivated_accounts_token_cannot_change_the_password(app, client, alice, make_token, password):
    from sqlalchemy import update

    from users.models import User, db

    with app.app_context():
        db.session.execute(update(User).values(is_active=False))
        db.session.commit()
        db.session.remove()
    token = make_token(alice["id"])
    response = client.post("/api/users/password/", json={"current_password": password, "new_password": NEW_PASSWORD},
                           headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 404, "user_not_found")


@pytest.fixture(scope="module")
def app_without_redis(shop_app, jwt_keys):
    # nothing listens on port 1: every Redis call fails at once, as when Redis is down
    return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, REDIS_URL="redis://127.0.0.1:1/0")


def test_with_redis_down_the_password_still_changes_and_other_sessions_end_in_postgres(app_without_redis,
                                                                                      password):
    client = app_without_redis.test_client()
    assert client.post("/api/auth/register/", json={"username": "erin", "email": "erin@example.com",
                                                    "password": password}).status_code == 201
    this, other = (client.post("/api/auth/login/", json={"username": "erin", "password": password}).get_json()
                   for _ in range(2))
    response = change(client, this, password)
    assert response.status_code == 200
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": other["refresh"]}), 401, "token_revoked")
    assert client.post("/api/auth/refresh/", json={"refresh": response.get_json()["refresh"]}).status_code == 200
    assert app_without_redis.extensions["users_revocations"].behind  # mirrored when Redis is back
