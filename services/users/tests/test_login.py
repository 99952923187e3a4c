"""Login by username or email, refusals, and throttling per account and per client address."""

import pytest

from shop_common.testing import assert_problem
from users import create_app


@pytest.mark.parametrize("identifier", ["alice", "ALICE", "alice@example.com", "Alice@Example.COM"])
def test_login_works_by_username_or_email_in_any_case(client, register, password, identifier):
    register("alice")
    response = client.post("/api/auth/login/", json={"username": identifier, "password": password})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["access"].count(".") == 2 and body["refresh"].count(".") == 2


@pytest.mark.parametrize("identifier, secret", [("alice", "wrong password"), ("nobody", "correct horse battery")])
def test_a_wrong_password_and_an_unknown_user_get_the_same_401(client, register, identifier, secret):
    register("alice")
    response = client.post("/api/auth/login/", json={"username": identifier, "password": secret})
    body = assert_problem(response, 401, "invalid_credentials")
    assert body["detail"] == "Wrong username or password."


@pytest.mark.parametrize("body", [
    {}, {"username": "alice"}, {"password": "x"}, {"username": "", "password": "x"},
    {"username": "alice", "password": ""}, {"username": 1, "password": "x"},
    {"username": "alice", "password": "x" * 129}, {"username": "alice", "password": "a\x00b"},
    {"username": "alice", "password": "x", "remember": True},
])
def test_malformed_logins_are_422(client, body):
    assert_problem(client.post("/api/auth/login/", json=body), 422, "validation_error")


def test_an_account_is_throttled_after_five_failures_even_for_the_right_password(client, register, password):
    register("alice")
    for _ in range(5):
        assert_problem(client.post("/api/auth/login/", json={"username": "alice", "password": "nope nope"}),
                       401, "invalid_credentials")
    # by email too: it is the account that is throttled, not the spelling
    response = client.post("/api/auth/login/", json={"username": "alice@example.com", "password": password})
    assert_problem(response, 429, "login_throttled")
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60
    # another account from the same address is not affected
    register("bob")
    assert client.post("/api/auth/login/", json={"username": "bob", "password": password}).status_code == 200


def test_a_successful_login_clears_the_account_failures(client, register, login):
    register("alice")
    for _ in range(4):
        client.post("/api/auth/login/", json={"username": "alice", "password": "nope nope"})
    login("alice")
    for _ in range(4):
        assert_problem(client.post("/api/auth/login/", json={"username": "alice", "password": "nope nope"}),
                       401)
    login("alice")


def test_an_address_is_throttled_after_thirty_failures_across_accounts(client, register, password):
    register("alice")
    for n in range(30):
        assert_problem(client.post("/api/auth/login/", json={"username": f"guess{n}", "password": "x"}), 401)
    response = client.post("/api/auth/login/", json={"username": "alice", "password": password})
    assert_problem(response, 429, "login_throttled")
    assert "address" in response.get_json()["detail"]
    other = client.post("/api/auth/login/", json={"username": "alice", "password": password},
                        environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200


@pytest.fixture(scope="module")
def app_without_redis(shop_app, jwt_keys):
    # nothing listens on port 1: every Redis call fails at once, as when Redis is down
    return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, REDIS_URL="redis://127.0.0.1:1/0")


def test_with_redis_down_register_and_login_still_work_but_readyz_says_not_ready(app_without_redis, password,
                                                                               caplog):
    client = app_without_redis.test_client()
    assert client.post("/api/auth/register/", json={"username": "erin", "email": "erin@example.com",
                                                    "password": password}).status_code == 201
    for _ in range(7):  # more failures than the account limit: throttling is off, not failing
        assert_problem(client.post("/api/auth/login/", json={"username": "erin", "password": "nope nope"}), 401)
    tokens = client.post("/api/auth/login/", json={"username": "erin", "password": password}).get_json()
    assert "login_throttled: throttling skipped, Redis unusable" in caplog.text
    profile = client.get("/api/users/profile/", headers={"Authorization": f"Bearer {tokens['access']}"})
    assert profile.status_code == 200
    ready = client.get("/readyz")
    body = assert_problem(ready, 503, "not_ready")
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"].startswith("unavailable")
    assert client.get("/healthz").status_code == 200
