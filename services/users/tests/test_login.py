"""Login by username or email, refusals, and throttling per account and address, per account and per
client address."""

import pytest
from limits import parse_many

from shop_common.testing import assert_problem, wait_until
from users import create_app

OWNER, STRANGER = {"REMOTE_ADDR": "10.0.0.1"}, {"REMOTE_ADDR": "10.66.6.6"}


def attempt(client, password, username="alice", address=None):
    return client.post("/api/auth/login/", json={"username": username, "password": password},
                       environ_base=address or {})


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


def test_five_wrong_passwords_from_a_stranger_leave_the_owner_logging_in_from_elsewhere(client, register, password):
    register("alice")
    for _ in range(5):
        assert_problem(attempt(client, "nope nope", address=STRANGER), 401, "invalid_credentials")
    # the stranger's address is held back from this account, by email too (the account, not the spelling)
    held = attempt(client, password, username="alice@example.com", address=STRANGER)
    assert_problem(held, 429, "login_throttled")
    assert "for this account from this address" in held.get_json()["detail"]
    assert 1 <= int(held.headers["Retry-After"]) <= 60
    # the owner, from their own address, at once
    assert attempt(client, password, address=OWNER).status_code == 200
    # another account from the stranger's address is not affected
    register("bob")
    assert attempt(client, password, username="bob", address=STRANGER).status_code == 200


@pytest.fixture(scope="module")
def quick_app(shop_app, jwt_keys):
    # the default's shape (a short window, then a long one) with a short first window, so the test waits little
    return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem,
                    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS=parse_many("5 per 2 seconds; 20 per hour"))


def test_the_owner_on_the_strangers_address_gets_in_after_a_short_wait(quick_app, password):
    client = quick_app.test_client()
    client.post("/api/auth/register/", json={"username": "alice", "email": "alice@example.com",
                                             "password": password})
    for _ in range(5):
        assert_problem(attempt(client, "nope nope", address=STRANGER), 401, "invalid_credentials")
    held = attempt(client, password, address=STRANGER)
    assert_problem(held, 429, "login_throttled")
    assert 1 <= int(held.headers["Retry-After"]) <= 2
    [answer] = wait_until(lambda: (a := attempt(client, password, address=STRANGER)).status_code != 429 and [a],
                          timeout=60, interval=0.2)
    assert answer.status_code == 200


def test_the_widening_window_holds_a_patient_guesser_longer(quick_app, password):
    client = quick_app.test_client()
    client.post("/api/auth/register/", json={"username": "patient", "email": "patient@example.com",
                                             "password": password})
    for _ in range(20):  # 20 an hour from one address, 5 at a time as the short window lets them through
        [answer] = wait_until(lambda: (a := attempt(client, "nope nope", username="patient", address=STRANGER))
                              .status_code != 429 and [a], timeout=60, interval=0.2)
        assert_problem(answer, 401, "invalid_credentials")
    held = attempt(client, password, username="patient", address=STRANGER)
    assert_problem(held, 429, "login_throttled")
    assert int(held.headers["Retry-After"]) > 60  # the hour's window now
    assert attempt(client, password, username="patient", address=OWNER).status_code == 200


def test_guesses_spread_over_many_addresses_hold_the_account_for_a_minute_at_most(client, register, password):
    register("alice")
    for n in range(30):  # 30 a minute for an account from everywhere together (each address only once)
        assert_problem(attempt(client, "nope nope", address={"REMOTE_ADDR": f"10.7.0.{n + 1}"}), 401)
    held = attempt(client, password, address=OWNER)
    assert_problem(held, 429, "login_throttled")
    assert "for this account;" in held.get_json()["detail"]
    assert 1 <= int(held.headers["Retry-After"]) <= 60


def test_a_successful_login_clears_the_failures_of_its_address(client, register, login):
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
    assert "from this address;" in response.get_json()["detail"]
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
