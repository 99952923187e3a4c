"""The staff's accounts: find them, read one, deactivate (every session ends at once) and activate again."""

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, text, update

from shop_common.testing import SERVICE_TOKEN, assert_problem, wait_until
from users.revocations import is_family_revoked

STAFF_PASSWORD = "staff password 9"
ACCOUNT_FIELDS = {"id", "username", "email", "first_name", "last_name", "phone", "date_joined", "last_login",
                  "is_active", "is_staff", "email_verified", "verified_email", "language"}


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access']}"}


@pytest.fixture
def staff(app, login):
    """A staff account `boss` and the `Authorization` header of its login."""
    result = app.test_cli_runner().invoke(args=["create-staff", "boss", "boss@example.com", "--password-stdin"],
                                          input=f"{STAFF_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    return bearer(login("boss", STAFF_PASSWORD))


@pytest.fixture
def people(register):
    """Three customers, each findable by a different field."""
    return {
        "alice": register("alice", "alice@wonderland.example", first_name="Alice", last_name="Liddell"),
        "Bob": register("Bob", "builder@example.com", first_name="Robert", last_name="Мельников"),
        "carol": register("carol", "c.straße@example.com", first_name="Carol", last_name="Danvers"),
    }


def names(response):
    assert response.status_code == 200, response.get_json()
    return [account["username"] for account in response.get_json()["results"]]


# -- the list ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("search", "found"), [
    ("ALI", ["alice"]),  # username, in any case
    ("BUILDER@", ["Bob"]),  # email
    ("STRASSE", ["carol"]),  # email, case-folded as emails are compared ("ß" is "ss")
    ("robert", ["Bob"]),  # first name
    ("мельн", ["Bob"]),  # last name, Cyrillic in any case
    ("dANVERS", ["carol"]),
    ("@EXAMPLE.com", ["carol", "Bob", "boss"]),  # several, newest first
    ("%", []), ("_", []),  # LIKE's wildcards are plain characters
    ("nobody", []),
])
def test_search_matches_a_part_of_any_field_in_any_case(client, staff, people, search, found):
    assert names(client.get("/api/users/", query_string={"search": search}, headers=staff)) == found


def test_a_blank_search_lists_everyone_newest_first_with_the_whole_account(client, staff, people, stored):
    response = client.get("/api/users/", query_string={"search": "  "}, headers=staff)
    assert names(response) == ["carol", "Bob", "alice", "boss"]
    body = response.get_json()
    assert body["count"] == 4 and body["next"] is None and body["previous"] is None
    carol = body["results"][0]
    assert set(carol) == ACCOUNT_FIELDS
    row = stored("carol")
    assert carol == {"id": row.id, "username": "carol", "email": "c.straße@example.com", "first_name": "Carol",
                     "last_name": "Danvers", "phone": "", "date_joined": row.date_joined.isoformat(),
                     "last_login": None, "is_active": True, "is_staff": False, "email_verified": False,
                     "verified_email": None, "language": "en"}
    boss = body["results"][-1]
    assert boss["is_staff"] is True and datetime.fromisoformat(boss["last_login"]) == stored("boss").last_login


def test_pages_link_each_other_and_past_the_last_is_404(client, staff, people):
    first = client.get("/api/users/", query_string={"page_size": 3, "ordering": "username"}, headers=staff)
    assert names(first) == ["alice", "Bob", "boss"]
    body = first.get_json()
    assert body["count"] == 4 and body["previous"] is None
    assert body["next"].endswith("/api/users/?page_size=3&ordering=username&page=2")
    second = client.get(body["next"], headers=staff)
    assert names(second) == ["carol"]
    assert second.get_json()["next"] is None and "page=1" in second.get_json()["previous"]
    assert_problem(client.get("/api/users/?page=3&page_size=3", headers=staff), 404, "page_not_found")
    assert names(client.get("/api/users/?search=nobody&page=1", headers=staff)) == []


@pytest.mark.parametrize(("ordering", "expected"), [
    ("-date_joined", ["carol", "Bob", "alice", "boss"]),
    ("date_joined", ["boss", "alice", "Bob", "carol"]),
    ("username", ["alice", "Bob", "boss", "carol"]),  # in any case: "Bob" is among the b's
    ("-username", ["carol", "boss", "Bob", "alice"]),
])
def test_ordering(client, staff, people, ordering, expected):
    assert names(client.get("/api/users/", query_string={"ordering": ordering}, headers=staff)) == expected


def test_is_active_filters_active_or_deactivated_accounts(client, staff, people):
    assert client.post(f"/api/users/{people['Bob']['id']}/deactivate/", headers=staff).status_code == 200
    assert names(client.get("/api/users/?is_active=false", headers=staff)) == ["Bob"]
    assert names(client.get("/api/users/?is_active=true", headers=staff)) == ["carol", "alice", "boss"]
    assert names(client.get("/api/users/?is_active=false&search=ali", headers=staff)) == []
    assert names(client.get("/api/users/", headers=staff)) == ["carol", "Bob", "alice", "boss"]


def _verify(app, username):
    # as following the emailed link does
    from users.models import User, db

    with app.app_context():
        db.session.execute(update(User).where(User.username == username)
                           .values(verified_email=User.email, email_verified_at=func.now()))
        db.session.commit()
        db.session.remove()


def test_email_verified_is_each_accounts_own_and_filters_the_list(app, client, staff, people, login):
    _verify(app, "alice")
    _verify(app, "carol")
    carol = login("carol")  # changes her email: not verified until its link is followed
    assert client.patch("/api/users/profile/", json={"email": "carol@elsewhere.example"},
                        headers=bearer(carol)).status_code == 200
    assert names(client.get("/api/users/?email_verified=true", headers=staff)) == ["alice"]
    assert names(client.get("/api/users/?email_verified=false", headers=staff)) == ["carol", "Bob", "boss"]
    assert names(client.get("/api/users/?email_verified=false&search=bo", headers=staff)) == ["Bob", "boss"]
    listed = {a["username"]: (a["email_verified"], a["verified_email"])
              for a in client.get("/api/users/", headers=staff).get_json()["results"]}
    assert listed == {"alice": (True, "alice@wonderland.example"), "carol": (False, "c.straße@example.com"),
                      "Bob": (False, None), "boss": (False, None)}
    assert client.get(f"/api/users/{people['alice']['id']}/", headers=staff).get_json()["email_verified"] is True


@pytest.mark.parametrize("query", [
    {"page_size": 0}, {"page_size": 101}, {"page": 0}, {"page": "two"}, {"ordering": "email"},
    {"ordering": "-id"}, {"is_active": "maybe"}, {"search": "x" * 201}, {"search": "a\x00b"},
    {"email_verified": "perhaps"},
])
def test_bad_query_values_are_422_naming_them(client, staff, query):
    body = assert_problem(client.get("/api/users/", query_string=query, headers=staff), 422, "validation_error")
    assert set(body["errors"]["query"]) == set(query)


STAFF_CALLS = [("get", "/api/users/"), ("get", "/api/users/{id}/"), ("post", "/api/users/{id}/deactivate/"),
               ("post", "/api/users/{id}/activate/")]


@pytest.mark.parametrize(("method", "path"), STAFF_CALLS)
def test_staff_calls_need_a_staff_token(client, auth, stored, method, path):
    url = path.format(id=stored("alice").id)
    assert_problem(getattr(client, method)(url), 401, "not_authenticated")
    assert_problem(getattr(client, method)(url, headers=auth), 403, "staff_only")
    assert stored("alice").is_active


# -- one account ---------------------------------------------------------------------------------------------

def test_one_account_is_shown_deactivated_or_not_and_a_missing_one_is_404(client, staff, people):
    bob = people["Bob"]["id"]
    response = client.get(f"/api/users/{bob}/", headers=staff)
    assert response.status_code == 200
    assert response.get_json()["username"] == "Bob" and set(response.get_json()) == ACCOUNT_FIELDS
    client.post(f"/api/users/{bob}/deactivate/", headers=staff)
    assert client.get(f"/api/users/{bob}/", headers=staff).get_json()["is_active"] is False
    for missing in (999999, 2**63 - 1):
        assert_problem(client.get(f"/api/users/{missing}/", headers=staff), 404, "user_not_found")
        assert_problem(client.post(f"/api/users/{missing}/deactivate/", headers=staff), 404, "user_not_found")
        assert_problem(client.post(f"/api/users/{missing}/activate/", headers=staff), 404, "user_not_found")
    assert client.get("/api/users/0/", headers=staff).status_code == 404
    assert client.get("/api/users/-1/", headers=staff).status_code == 404


# -- deactivating and activating -----------------------------------------------------------------------------

def test_deactivating_ends_every_session_at_once_and_refuses_login(client, staff, register, login, stored):
    user = register("alice")
    phone, laptop = login("alice"), login("alice")
    rotated = client.post("/api/auth/refresh/", json={"refresh": laptop["refresh"]}).get_json()  # a spent one too
    for tokens in (phone, rotated):
        assert client.get("/api/users/profile/", headers=bearer(tokens)).status_code == 200

    response = client.post(f"/api/users/{user['id']}/deactivate/", headers=staff)
    assert response.status_code == 200
    assert response.get_json()["is_active"] is False and set(response.get_json()) == ACCOUNT_FIELDS
    assert not stored("alice").is_active

    for tokens in (phone, laptop, rotated):
        assert_problem(client.get("/api/users/profile/", headers=bearer(tokens)), 401, "token_revoked")
        assert_problem(client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}), 401, "token_revoked")
    assert_problem(client.post("/api/auth/login/", json={"username": "alice", "password": "correct horse battery"}),
                   403, "account_inactive")
    assert_problem(client.post("/api/auth/login/", json={"username": "alice@example.com",
                                                          "password": "correct horse battery"}),
                   403, "account_inactive")
    # a wrong password says no more than it says of any account
    assert_problem(client.post("/api/auth/login/", json={"username": "alice", "password": "wrong password 1"}),
                   401, "invalid_credentials")


def test_deactivating_one_account_leaves_the_others_sessions_alone(client, staff, register, login):
    alice, _ = register("alice"), register("bob")
    bobs = login("bob")
    client.post(f"/api/users/{alice['id']}/deactivate/", headers=staff)
    assert client.get("/api/users/profile/", headers=bearer(bobs)).status_code == 200
    assert client.post("/api/auth/refresh/", json={"refresh": bobs["refresh"]}).status_code == 200
    assert client.get("/api/users/", headers=staff).status_code == 200  # and the staff member's own


def test_activating_lets_the_account_log_in_again_but_old_sessions_stay_ended(client, staff, register, login,
                                                                            stored):
    user = register("alice")
    old = login("alice")
    client.post(f"/api/users/{user['id']}/deactivate/", headers=staff)
    response = client.post(f"/api/users/{user['id']}/activate/", headers=staff)
    assert response.status_code == 200 and response.get_json()["is_active"] is True
    assert stored("alice").is_active
    fresh = login("alice")
    assert client.get("/api/users/profile/", headers=bearer(fresh)).status_code == 200
    assert_problem(client.get("/api/users/profile/", headers=bearer(old)), 401, "token_revoked")
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": old["refresh"]}), 401, "token_revoked")


def test_deactivating_and_activating_again_change_nothing(client, staff, register, login, stored):
    user = register("alice")
    for _ in range(2):
        response = client.post(f"/api/users/{user['id']}/activate/", headers=staff)
        assert response.status_code == 200 and response.get_json()["is_active"] is True
    tokens = login("alice")
    first = client.post(f"/api/users/{user['id']}/deactivate/", headers=staff).get_json()
    again = client.post(f"/api/users/{user['id']}/deactivate/", headers=staff)
    assert again.status_code == 200 and again.get_json() == first
    assert not stored("alice").is_active
    assert_problem(client.get("/api/users/profile/", headers=bearer(tokens)), 401, "token_revoked")


def test_deactivating_oneself_is_409_and_changes_nothing(client, staff, stored):
    boss = stored("boss")
    assert_problem(client.post(f"/api/users/{boss.id}/deactivate/", headers=staff), 409, "cannot_deactivate_self")
    assert stored("boss").is_active
    assert client.get("/api/users/profile/", headers=staff).status_code == 200
    assert client.post(f"/api/users/{boss.id}/activate/", headers=staff).status_code == 200  # harmless


def test_a_staff_member_can_deactivate_another_staff_member(app, client, staff, login):
    result = app.test_cli_runner().invoke(args=["create-staff", "other", "other@example.com", "--password-stdin"],
                                          input=f"{STAFF_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    others = bearer(login("other", STAFF_PASSWORD))
    other_id = client.get("/api/users/profile/", headers=others).get_json()["id"]
    assert client.post(f"/api/users/{other_id}/deactivate/", headers=staff).status_code == 200
    assert_problem(client.get("/api/users/", headers=others), 401, "token_revoked")


def waiting_for_a_lock(db) -> int:
    # a connection of its own each time: pg_stat_activity is a snapshot taken once per transaction
    with db.engine.connect() as probe:
        return probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND wait_event_type = 'Lock'")).scalar_one()


def test_a_login_meeting_a_deactivation_in_flight_waits_for_it_and_is_refused(app, client, register):
    """The deactivation holds the account's row (as `set_active` does) while it ends the sessions: a login
    with the right password waits for it, then sees the account inactive, so no session outlives it."""
    user = register("alice")
    db = app.extensions["sqlalchemy"]
    outcomes = []

    def log_in():
        outcomes.append(app.test_client().post("/api/auth/login/", json={"username": "alice",
                                                                         "password": "correct horse battery"}))

    with app.app_context(), db.engine.connect() as deactivation:
        deactivation.execute(text("SELECT 1 FROM users WHERE id = :id FOR NO KEY UPDATE"), {"id": user["id"]})
        thread = threading.Thread(target=log_in)
        thread.start()
        wait_until(lambda: waiting_for_a_lock(db) == 1, timeout=4, interval=0.02)  # under statement_timeout
        deactivation.execute(text("UPDATE users SET is_active = false WHERE id = :id"), {"id": user["id"]})
        deactivation.commit()
    thread.join(30)
    (outcome,) = outcomes
    assert_problem(outcome, 403, "account_inactive")


def test_a_refresh_in_flight_neither_deadlocks_with_a_deactivation_nor_outlives_it(app, client, staff, register,
                                                                                   login):
    """A refresh holds its token's row and records the next token (whose foreign key locks the account's row
    for key share) while the deactivation waits to revoke that token: both finish, and the session is ended."""
    user = register("alice")
    tokens = login("alice")
    db = app.extensions["sqlalchemy"]
    outcomes = []

    def deactivate():
        outcomes.append(app.test_client().post(f"/api/users/{user['id']}/deactivate/", headers=staff))

    with app.app_context(), db.engine.connect() as refresh:
        family = refresh.execute(text("SELECT family FROM refresh_tokens WHERE user_id = :id FOR UPDATE"),
                                 {"id": user["id"]}).scalar_one()
        thread = threading.Thread(target=deactivate)
        thread.start()
        wait_until(lambda: waiting_for_a_lock(db) == 1, timeout=4, interval=0.02)
        refresh.execute(text("INSERT INTO refresh_tokens (jti, family, user_id, expires_at) "
                             "VALUES (gen_random_uuid(), :family, :id, now() + interval '1 day')"),
                        {"family": family, "id": user["id"]})
        refresh.commit()
    thread.join(30)
    (outcome,) = outcomes
    assert outcome.status_code == 200, outcome.get_json()
    with app.app_context():
        assert is_family_revoked(family)
    assert_problem(client.get("/api/users/profile/", headers=bearer(tokens)), 401, "token_revoked")


def test_the_mailer_still_gets_the_address_of_a_deactivated_account(client, staff, register):
    user = register("alice", first_name="Alice")
    client.post(f"/api/users/{user['id']}/deactivate/", headers=staff)
    response = client.get(f"/internal/users/{user['id']}/", headers={"X-Service-Token": SERVICE_TOKEN})
    assert response.status_code == 200
    assert response.get_json()["email"] == "alice@example.com"


def test_login_records_last_login_and_a_refresh_does_not(client, register, login, stored):
    register("alice")
    assert stored("alice").last_login is None
    tokens = login("alice")
    first = stored("alice").last_login
    assert first is not None
    client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert stored("alice").last_login == first
    login("alice")
    assert stored("alice").last_login > first
