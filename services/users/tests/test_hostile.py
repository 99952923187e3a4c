"""What the review found attackers could do, each now a 4xx that changes nothing."""

import io
import json
import logging
import time

import jwt
import pytest
from limits import parse

from shop_common.testing import assert_problem, concurrently

ENDPOINTS = [("POST", "/api/auth/register/"), ("POST", "/api/auth/login/"), ("POST", "/api/auth/refresh/"),
             ("PATCH", "/api/users/profile/")]


@pytest.mark.parametrize("method, path", ENDPOINTS)
@pytest.mark.parametrize("body, status", [
    ('{"username": ' + "9" * 5000 + "}", 400),  # more digits than Python parses
    ("[" * 100_000 + "]" * 100_000, 400),  # deeper than Python's parser recurses
    ('{"username": "ab\\ud800c", "password": "x", "email": "a@b.c", "refresh": "\\ud800"}', 422),
    ('{"first_name": "\\udfff", "refresh": "a.\\ud800.b", "username": "u", "password": "p\\ud800"}', 422),
])
def test_hostile_json_is_a_4xx_never_a_500(client, auth, method, path, body, status):
    response = client.open(path, method=method, data=body, content_type="application/json", headers=auth)
    assert_problem(response, status)


def test_a_chunked_body_over_the_limit_is_413(client):
    body = json.dumps({"username": "x" * (2 * 1024 * 1024)}).encode()
    response = client.post("/api/auth/login/", input_stream=io.BytesIO(body),
                           headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
    assert_problem(response, 413, "payload_too_large")


def test_a_chunked_body_under_the_limit_is_read_whole(client, register, password):
    register("alice")
    body = json.dumps({"username": "alice", "password": password}).encode()
    response = client.post("/api/auth/login/", input_stream=io.BytesIO(body),
                           headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
    assert response.status_code == 200


def test_parallel_wrong_passwords_cannot_outrun_the_limit_of_an_account_from_one_address(app, register):
    register("victim")
    statuses = concurrently(20, lambda n: app.test_client().post(
        "/api/auth/login/", json={"username": "victim", "password": f"guess number {n}"}).status_code)
    assert statuses.count(401) == 5 and statuses.count(429) == 15


@pytest.mark.parametrize("email", ["İnci@example.com", "ΟΔΟΣ@example.com", "Ärger@example.com"])
def test_an_account_with_a_non_ascii_email_can_log_in_with_it(client, register, login, email):
    register("unicode", email=email)
    assert client.post("/api/auth/login/", json={"username": email, "password": "correct horse battery"}
                       ).status_code == 200


def test_a_fullwidth_lookalike_email_is_the_same_account(client, register):
    register("alice", email="abc@example.com")
    lookalike = "\uff41\uff42\uff43@example.com"  # fullwidth "abc"
    response = client.post("/api/auth/register/", json={"username": "mallory", "email": lookalike,
                                                        "password": "correct horse battery"})
    assert_problem(response, 409, "email_taken")


def test_logout_with_another_sessions_refresh_token_is_refused_and_revokes_nothing(client, register, login):
    register("alice")
    a, b = login("alice"), login("alice")
    response = client.post("/api/auth/logout/", json={"refresh": b["refresh"]},
                           headers={"Authorization": f"Bearer {a['access']}"})
    assert_problem(response, 401, "invalid_token")
    assert client.get("/api/users/profile/", headers={"Authorization": f"Bearer {a['access']}"}).status_code == 200
    assert client.post("/api/auth/refresh/", json={"refresh": b["refresh"]}).status_code == 200


def test_logout_with_an_expired_refresh_token_still_ends_the_session(client, app, register, login, jwt_keys):
    register("alice")
    tokens = login("alice")
    claims = jwt.decode(tokens["refresh"], options={"verify_signature": False})
    expired = jwt.encode({**claims, "exp": int(time.time()) - 10}, jwt_keys.private_pem, algorithm="ES256")
    response = client.post("/api/auth/logout/", json={"refresh": expired},
                           headers={"Authorization": f"Bearer {tokens['access']}"})
    assert response.status_code == 204
    assert_problem(client.get("/api/users/profile/", headers={"Authorization": f"Bearer {tokens['access']}"}), 401,
                   "token_revoked")


def test_registrations_are_throttled_per_address(shop_app, jwt_keys, password):
    from users import create_app

    app = shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem,
                   REGISTER_LIMIT_PER_ADDRESS=parse("3 per hour"))
    client = app.test_client()
    for n in range(3):
        assert client.post("/api/auth/register/", json={"username": f"bulk{n}", "email": f"bulk{n}@example.com",
                                                        "password": password}).status_code == 201
    response = client.post("/api/auth/register/", json={"username": "bulk9", "email": "bulk9@example.com",
                                                        "password": password})
    assert_problem(response, 429, "registration_throttled")
    assert int(response.headers["Retry-After"]) > 0
    other = client.post("/api/auth/register/", json={"username": "bulk8", "email": "bulk8@example.com",
                                                     "password": password}, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert other.status_code == 201


def test_what_was_typed_as_a_username_is_never_logged(client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post("/api/auth/login/", json={"username": "MySecretPassw0rd!", "password": "whatever it is"})
    assert "MySecretPassw0rd!" not in caplog.text and "whatever it is" not in caplog.text


def test_create_staff_refuses_an_existing_username_with_another_email(app, register, stored):
    register("alice")
    result = app.test_cli_runner().invoke(args=["create-staff", "alice", "other@example.com", "--password-stdin"],
                                          input="staff password 9\n")
    assert result.exit_code != 0 and "another email" in result.output and "Traceback" not in result.output
    assert not stored("alice").is_staff
