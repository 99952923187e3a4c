"""Registration: what is stored, what is refused, and that a refusal changes nothing."""

import pytest
from argon2 import PasswordHasher

from shop_common.testing import assert_problem

GOOD = {"username": "dave", "email": "dave@example.com", "password": "correct horse battery"}


def count_users(app):
    from users.models import User, db

    with app.app_context():
        return db.session.query(User).count()


def test_registering_creates_the_account_and_answers_its_public_fields(client, stored, password):
    response = client.post("/api/auth/register/", json={
        "username": "alice", "email": "Alice@Example.com", "password": password,
        "first_name": " Alice ", "last_name": "Liddell"})
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "username": "alice", "email": "Alice@Example.com",
                    "first_name": "Alice", "last_name": "Liddell"}
    user = stored("alice")
    assert user.id == body["id"] and not user.is_staff and user.is_active
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert password not in user.password_hash
    assert PasswordHasher().verify(user.password_hash, password)


def test_passwords_are_kept_whole_and_unstripped(client, login, register):
    long_password = " " + "x1y2z3" * 21 + "!"  # 128 characters, leading space
    assert len(long_password) == 128
    register("bob", password=long_password)
    login("bob", long_password)
    response = client.post("/api/auth/login/", json={"username": "bob", "password": long_password[:-1]})
    assert_problem(response, 401, "invalid_credentials")
    response = client.post("/api/auth/login/", json={"username": "bob", "password": long_password.strip()})
    assert_problem(response, 401, "invalid_credentials")


@pytest.mark.parametrize("username, email, code", [
    ("alice", "other@example.com", "username_taken"),
    ("ALICE", "other@example.com", "username_taken"),
    ("carol", "alice@example.com", "email_taken"),
    ("carol", "ALICE@EXAMPLE.COM", "email_taken"),
])
def test_usernames_and_emails_are_unique_whatever_their_case(client, register, app, username, email, code):
    register("alice", email="alice@example.com")
    response = client.post("/api/auth/register/", json={**GOOD, "username": username, "email": email})
    body = assert_problem(response, 409, code)
    field = code.split("_")[0]
    assert field in body["errors"]["json"]
    assert body["error_codes"] == {"json": {field: [code]}}
    assert count_users(app) == 1


@pytest.mark.parametrize("body, field, code", [
    ({**GOOD, "password": "short7!"}, "password", "too_short"),
    ({**GOOD, "password": "p" * 64 + "q" * 65}, "password", "too_long"),  # 129 characters
    ({**GOOD, "password": "password123"}, "password", "too_common"),
    ({**GOOD, "password": "aaaaaaaaaaaa"}, "password", "too_simple"),
    ({**GOOD, "password": "dave-is-great"}, "password", "contains_username"),
    ({**GOOD, "password": 12345678901}, "password", "invalid"),
    ({**GOOD, "password": None}, "password", "null"),
    ({**GOOD, "email": "not-an-email"}, "email", "invalid"),
    ({**GOOD, "email": "a" * 250 + "@example.com"}, "email", "too_long"),
    ({**GOOD, "username": "da"}, "username", "too_short"),
    ({**GOOD, "username": "d" * 151}, "username", "too_long"),
    ({**GOOD, "username": "dave@example.com"}, "username", "invalid"),
    ({**GOOD, "username": "dave smith"}, "username", "invalid"),
    ({**GOOD, "username": "dave\x00"}, "username", "invalid"),
    ({**GOOD, "username": ["dave"]}, "username", "invalid"),
    ({**GOOD, "first_name": "x" * 151}, "first_name", "too_long"),
    ({**GOOD, "first_name": "Da\x00ve"}, "first_name", "invalid"),
    ({k: v for k, v in GOOD.items() if k != "password"}, "password", "required"),
    ({k: v for k, v in GOOD.items() if k != "username"}, "username", "required"),
    ({**GOOD, "is_staff": True}, "is_staff", "unknown"),
    ({**GOOD, "id": 1}, "id", "unknown"),
    ({**GOOD, "is_active": False}, "is_active", "unknown"),
])
def test_invalid_registrations_are_422_naming_the_field_and_its_code_and_store_nothing(client, app, body, field, code):
    response = client.post("/api/auth/register/", json=body)
    problem = assert_problem(response, 422, "validation_error")
    assert field in problem["errors"]["json"], problem
    # beside each message, its code, for a storefront to say in the shopper's language
    assert problem["error_codes"]["json"][field] == [code], problem
    assert count_users(app) == 0


@pytest.mark.parametrize("data, content_type, status, code", [
    ("{not json", "application/json", 400, "malformed_json"),
    ('["alice"]', "application/json", 422, "validation_error"),
    ('"alice"', "application/json", 422, "validation_error"),
    ("null", "application/json", 422, "validation_error"),
    ("username=alice", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("{\"username\": \"alice\"}", "text/plain", 415, "unsupported_media_type"),
])
def test_bodies_that_are_not_a_json_object_are_refused(client, app, data, content_type, status, code):
    response = client.post("/api/auth/register/", data=data, content_type=content_type)
    assert_problem(response, status, code)
    assert count_users(app) == 0


def test_a_body_over_one_mebibyte_is_413(client, app):
    response = client.post("/api/auth/register/", json={**GOOD, "first_name": "x" * (1024 * 1024)})
    assert_problem(response, 413, "payload_too_large")
    assert count_users(app) == 0


@pytest.mark.parametrize("first, second", [
    ("straße@example.com", "STRASSE@example.com"),
    ("STRASSE@example.com", "strasse@EXAMPLE.com"),
    ("ǅemal@example.com", "džemal@example.com"),  # a titlecase digraph, folded with its letters
])
def test_emails_that_fold_alike_are_one_account(client, register, app, first, second):
    register("first", email=first)
    response = client.post("/api/auth/register/", json={**GOOD, "email": second})
    assert_problem(response, 409, "email_taken")
    assert count_users(app) == 1
    login = client.post("/api/auth/login/", json={"username": second, "password": GOOD["password"]})
    assert login.status_code == 200


def test_two_registrations_racing_for_one_folded_email_make_one_account(app):
    from shop_common.testing import concurrently

    emails = ["straße@example.com", "STRASSE@example.com"]
    answers = concurrently(2, lambda n: app.test_client().post("/api/auth/register/", json={
        **GOOD, "username": f"racer{n}", "email": emails[n]}))
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert_problem(next(a for a in answers if a.status_code == 409), 409, "email_taken")
    assert count_users(app) == 1


def test_the_email_is_kept_as_typed_and_compared_by_its_key(client, stored):
    assert client.post("/api/auth/register/", json={**GOOD, "email": "Straße@Example.com"}).status_code == 201
    user = stored("dave")
    assert (user.email, user.email_key) == ("Straße@Example.com", "strasse@example.com")
