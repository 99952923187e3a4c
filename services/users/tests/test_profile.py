"""The caller's profile: read, change what may change, refuse the rest without changing anything."""

import pytest

from shop_common.testing import assert_problem


def test_the_profile_shows_the_callers_own_account(client, auth, stored):
    response = client.get("/api/users/profile/", headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    user = stored("alice")
    assert body == {"id": user.id, "username": "alice", "email": "alice@example.com", "first_name": "",
                    "last_name": "", "phone": "", "date_joined": user.date_joined.isoformat(), "is_staff": False,
                    "email_verified": False, "verified_email": None, "language": "en"}
    assert "password" not in response.get_data(as_text=True)


def test_the_profile_needs_a_token(client):
    assert_problem(client.get("/api/users/profile/"), 401, "not_authenticated")
    assert_problem(client.patch("/api/users/profile/", json={"first_name": "x"}), 401, "not_authenticated")


def test_changing_names_phone_and_email_is_stored(client, auth, stored):
    response = client.patch("/api/users/profile/", headers=auth, json={
        "first_name": "Alice", "last_name": " Liddell ", "phone": "+44 20 7946 0958",
        "email": "alice@wonderland.example"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["first_name"], body["last_name"], body["phone"], body["email"]) == (
        "Alice", "Liddell", "+44 20 7946 0958", "alice@wonderland.example")
    user = stored("alice")
    assert (user.first_name, user.last_name, user.phone, user.email) == (
        "Alice", "Liddell", "+44 20 7946 0958", "alice@wonderland.example")


def test_an_empty_change_changes_nothing(client, auth, stored):
    before = stored("alice")
    response = client.patch("/api/users/profile/", headers=auth, json={})
    assert response.status_code == 200
    assert stored("alice").email == before.email


def test_changing_the_email_to_ones_own_in_another_case_is_allowed(client, auth):
    response = client.patch("/api/users/profile/", headers=auth, json={"email": "ALICE@example.com"})
    assert response.status_code == 200 and response.get_json()["email"] == "ALICE@example.com"


def test_taking_another_users_email_is_409(client, auth, register, stored):
    register("bob")
    body = assert_problem(client.patch("/api/users/profile/", headers=auth, json={"email": "BOB@example.com"}),
                          409, "email_taken")
    assert "email" in body["errors"]["json"]
    assert stored("alice").email == "alice@example.com"


@pytest.mark.parametrize("change", [
    {"id": 999}, {"username": "root"}, {"is_staff": True}, {"staff": True}, {"is_superuser": True},
    {"is_active": False}, {"date_joined": "2000-01-01T00:00:00Z"}, {"password": "new password 1"},
    {"first_name": "ok", "is_staff": True},
])
def test_mass_assignment_is_refused_and_changes_nothing(client, auth, stored, change):
    before = stored("alice")
    body = assert_problem(client.patch("/api/users/profile/", headers=auth, json=change), 422,
                          "validation_error")
    assert set(body["errors"]["json"]) & set(change)
    after = stored("alice")
    assert (after.id, after.username, after.is_staff, after.is_active, after.first_name, after.date_joined,
            after.password_hash) == (before.id, before.username, before.is_staff, before.is_active,
                                     before.first_name, before.date_joined, before.password_hash)


@pytest.mark.parametrize("change", [
    {"first_name": "x" * 151}, {"last_name": None}, {"phone": "call me"}, {"phone": "1" * 40},
    {"email": "nope"}, {"email": ""}, {"first_name": 42}, {"first_name": ["a"]}, {"phone": "+1\x00555"},
])
def test_invalid_changes_are_422_and_change_nothing(client, auth, stored, change):
    before = stored("alice")
    assert_problem(client.patch("/api/users/profile/", headers=auth, json=change), 422, "validation_error")
    after = stored("alice")
    assert (after.first_name, after.last_name, after.phone, after.email) == (
        before.first_name, before.last_name, before.phone, before.email)


def test_a_profile_of_a_deleted_account_is_404(client, app, auth):
    from users.models import User, db

    with app.app_context():
        db.session.execute(db.delete(User))
        db.session.commit()
    assert_problem(client.get("/api/users/profile/", headers=auth), 404, "user_not_found")


def test_create_staff_makes_an_account_whose_tokens_carry_the_staff_claim(app, client, login, stored):
    result = app.test_cli_runner().invoke(args=["create-staff", "boss", "boss@example.com",
                                                "--password-stdin"], input="staff password 9\n")
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    assert stored("boss").is_staff
    import jwt

    claims = jwt.decode(login("boss", "staff password 9")["access"], options={"verify_signature": False})
    assert claims["staff"] is True


def test_create_staff_can_generate_a_password_and_skips_an_existing_account(app, login):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-staff", "boss", "boss@example.com", "--generate-password",
                                 "--if-missing"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    login("boss", password)
    again = runner.invoke(args=["create-staff", "boss", "boss@example.com", "--generate-password",
                                "--if-missing"])
    assert again.exit_code == 0 and "exists already" in again.output
    login("boss", password)


def test_create_staff_refuses_a_weak_password(app, stored):
    result = app.test_cli_runner().invoke(args=["create-staff", "boss", "boss@example.com", "--password-stdin"],
                                          input="password\n")
    assert result.exit_code != 0 and "password" in result.output
    assert stored("boss") is None


def test_a_user_promoted_to_staff_gets_the_claim_at_the_next_refresh(app, client, register, login):
    import jwt

    register("alice")
    tokens = login("alice")
    result = app.test_cli_runner().invoke(args=["create-staff", "alice", "alice@example.com",
                                                "--password-stdin"], input="new staff password 7\n")
    assert "updated" in result.output
    refreshed = client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}).get_json()
    assert jwt.decode(refreshed["access"], options={"verify_signature": False})["staff"] is True


def test_taking_another_users_email_folded_otherwise_is_409(client, auth, register, stored):
    register("bob", email="straße@example.com")
    assert_problem(client.patch("/api/users/profile/", headers=auth, json={"email": "STRASSE@example.com"}),
                   409, "email_taken")
    assert (stored("alice").email, stored("alice").email_key) == ("alice@example.com", "alice@example.com")
    changed = client.patch("/api/users/profile/", headers=auth, json={"email": "Alice.Straße@example.com"})
    assert changed.status_code == 200
    assert stored("alice").email_key == "alice.strasse@example.com"
