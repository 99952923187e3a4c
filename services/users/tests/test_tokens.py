"""Refresh rotation with reuse detection and its grace, logout, and the claims of the tokens issued."""

import uuid
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import update

from shop_common.testing import assert_problem, concurrently, wait_until


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access']}"}


def refresh(client, token):
    return client.post("/api/auth/refresh/", json={"refresh": token})


def test_tokens_carry_the_claims_services_rely_on(register, login, jwt_keys):
    register("alice")
    tokens = login("alice")
    access = jwt.decode(tokens["access"], jwt_keys.public_pem, algorithms=["ES256"], audience="shop",
                        issuer="shop-users")
    refresh_claims = jwt.decode(tokens["refresh"], jwt_keys.public_pem, algorithms=["ES256"], audience="shop")
    assert jwt.get_unverified_header(tokens["access"])["alg"] == "ES256"
    assert isinstance(access["sub"], str) and access["sub"].isdigit()
    assert access["type"] == "access" and refresh_claims["type"] == "refresh"
    assert access["staff"] is False
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh_claims["exp"] - refresh_claims["iat"] == 7 * 24 * 3600
    assert access["fam"] == refresh_claims["fam"] and access["jti"] != refresh_claims["jti"]


def test_refresh_rotates_the_refresh_token(client, register, login):
    register("alice")
    first = login("alice")
    response = refresh(client, first["refresh"])
    assert response.status_code == 200
    second = response.get_json()
    assert second["refresh"] != first["refresh"] and second["access"] != first["access"]
    assert client.get("/api/users/profile/", headers=bearer(second)).status_code == 200
    third = refresh(client, second["refresh"]).get_json()
    assert client.get("/api/users/profile/", headers=bearer(third)).status_code == 200


def jti(token):
    return uuid.UUID(jwt.decode(token, options={"verify_signature": False})["jti"])


def exchanged_long_ago(app, token, seconds=3600):
    """Move the exchange of refresh `token` `seconds` into the past: its grace is over."""
    from users.models import RefreshToken, db

    with app.app_context():
        db.session.execute(update(RefreshToken).where(RefreshToken.jti == jti(token))
                           .values(used_at=RefreshToken.used_at - timedelta(seconds=seconds)))
        db.session.commit()


def test_reusing_a_refresh_token_after_the_grace_revokes_the_whole_family(app, client, register, login):
    register("alice")
    first = login("alice")
    second = refresh(client, first["refresh"]).get_json()
    exchanged_long_ago(app, first["refresh"])
    # the stolen first refresh token comes back: 401, and everything of that login dies
    assert_problem(refresh(client, first["refresh"]), 401, "token_reused")
    assert_problem(refresh(client, second["refresh"]), 401, "token_revoked")
    assert_problem(client.get("/api/users/profile/", headers=bearer(second)), 401, "token_revoked")
    assert_problem(client.get("/api/users/profile/", headers=bearer(first)), 401, "token_revoked")
    # another login of the same user is another family, untouched
    other = login("alice")
    assert client.get("/api/users/profile/", headers=bearer(other)).status_code == 200


def test_a_repeat_within_the_grace_gets_the_same_pair_and_the_session_goes_on(client, register, login):
    register("alice")
    first = login("alice")
    second = refresh(client, first["refresh"])
    again = refresh(client, first["refresh"])
    assert second.status_code == again.status_code == 200
    assert again.get_json() == second.get_json()
    assert client.get("/api/users/profile/", headers=bearer(again.get_json())).status_code == 200
    third = refresh(client, again.get_json()["refresh"])
    assert third.status_code == 200 and third.get_json()["refresh"] != second.get_json()["refresh"]


def test_ten_concurrent_refreshes_of_one_token_all_get_the_same_pair(app, register, login):
    register("alice")
    first = login("alice")
    answers = concurrently(10, lambda _: refresh(app.test_client(), first["refresh"]))
    assert [a.status_code for a in answers] == [200] * 10, [a.get_json() for a in answers]
    pairs = {(a.get_json()["access"], a.get_json()["refresh"]) for a in answers}
    assert len(pairs) == 1
    [(access, refresh_token)] = pairs
    client = app.test_client()
    assert client.get("/api/users/profile/", headers={"Authorization": f"Bearer {access}"}).status_code == 200
    assert refresh(client, refresh_token).status_code == 200  # the session survives


def test_a_repeat_once_the_new_refresh_token_was_used_is_reuse(client, register, login):
    register("alice")
    first = login("alice")
    second = refresh(client, first["refresh"]).get_json()
    third = refresh(client, second["refresh"]).get_json()
    # within the grace of its exchange, but a generation old: someone else holds it
    assert_problem(refresh(client, first["refresh"]), 401, "token_reused")
    assert_problem(refresh(client, third["refresh"]), 401, "token_revoked")
    assert_problem(client.get("/api/users/profile/", headers=bearer(third)), 401, "token_revoked")


def test_a_spent_refresh_token_is_reuse_once_the_grace_has_passed_by_the_clock(app, client, register, login):
    register("alice")
    first = login("alice")
    second = refresh(client, first["refresh"]).get_json()
    grace = app.config["SHOP"]["REFRESH_REUSE_GRACE"]
    # until the grace is over the repeat gets the same pair; then it is reuse (a wait on the clock, no bet)
    answers = []
    wait_until(lambda: answers.append(refresh(client, first["refresh"])) or answers[-1].status_code != 200,
               timeout=grace + 60, interval=0.5)
    assert all(a.get_json() == second for a in answers[:-1])
    assert_problem(answers[-1], 401, "token_reused")
    assert_problem(client.get("/api/users/profile/", headers=bearer(second)), 401, "token_revoked")


def test_the_pair_kept_for_the_grace_is_encrypted_and_forgotten_after_it(app, client, register, login):
    from users import grace
    from users.models import RefreshToken, db

    register("alice")
    first = login("alice")
    second = refresh(client, first["refresh"]).get_json()
    with app.app_context():
        kept = db.session.get(RefreshToken, jti(first["refresh"])).grace_answer
        assert kept and second["access"] not in kept and second["refresh"] not in kept
        assert second["refresh"].split(".")[2] not in kept
        assert grace.prune() == 0  # within the grace: kept
    exchanged_long_ago(app, first["refresh"])
    with app.app_context():
        assert grace.prune() == 1
        assert db.session.get(RefreshToken, jti(first["refresh"])).grace_answer is None


def test_a_refresh_token_that_escaped_its_familys_revocation_is_refused(app, client, register, login):
    from users.models import RefreshToken, db

    register("alice")
    tokens = login("alice")
    assert client.post("/api/auth/logout/", json={"refresh": tokens["refresh"]},
                       headers=bearer(tokens)).status_code == 204
    # as a refresh committing while the logout ran leaves its new token's row: the family's record decides
    with app.app_context():
        db.session.execute(update(RefreshToken).values(revoked_at=None))
        db.session.commit()
    assert_problem(refresh(client, tokens["refresh"]), 401, "token_revoked")


def test_logout_kills_both_tokens_at_once(client, register, login):
    register("alice")
    tokens = login("alice")
    other_session = login("alice")
    response = client.post("/api/auth/logout/", json={"refresh": tokens["refresh"]}, headers=bearer(tokens))
    assert response.status_code == 204 and response.data == b""
    assert_problem(client.get("/api/users/profile/", headers=bearer(tokens)), 401, "token_revoked")
    assert_problem(refresh(client, tokens["refresh"]), 401, "token_revoked")
    # logging out one session leaves the others alone
    assert client.get("/api/users/profile/", headers=bearer(other_session)).status_code == 200


def test_logout_needs_the_access_token_and_a_refresh_token_of_the_same_user(client, register, login):
    register("alice")
    register("bob")
    alice, bob = login("alice"), login("bob")
    assert_problem(client.post("/api/auth/logout/", json={"refresh": alice["refresh"]}), 401,
                   "not_authenticated")
    assert_problem(client.post("/api/auth/logout/", json={"refresh": bob["refresh"]}, headers=bearer(alice)),
                   401, "invalid_token")
    assert_problem(client.post("/api/auth/logout/", json={"refresh": alice["access"]}, headers=bearer(alice)),
                   401, "invalid_token")
    assert_problem(client.post("/api/auth/logout/", json={}, headers=bearer(alice)), 422)
    # nothing was revoked by the refused attempts
    assert client.get("/api/users/profile/", headers=bearer(bob)).status_code == 200
    assert refresh(client, alice["refresh"]).status_code == 200


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 5000])
def test_refresh_refuses_what_is_not_a_refresh_token(client, token):
    response = refresh(client, token)
    assert response.status_code in (401, 422)
    assert_problem(response, response.status_code)


def test_an_access_token_cannot_be_used_to_refresh(client, register, login):
    register("alice")
    tokens = login("alice")
    assert_problem(refresh(client, tokens["access"]), 401, "invalid_token")


def test_refresh_of_a_deleted_user_is_refused(client, app, register, login):
    from users.models import User, db

    register("alice")
    tokens = login("alice")
    with app.app_context():
        db.session.execute(db.delete(User))
        db.session.commit()
    assert_problem(refresh(client, tokens["refresh"]), 401, "invalid_token")


def test_the_service_can_sign_with_rs256_instead_and_then_accepts_nothing_else(shop_app, password, make_token):
    from shop_common.keys import generate_keypair
    from users import create_app

    rsa = generate_keypair("RS256")
    app = shop_app(create_app, JWT_ALGORITHM="RS256", JWT_PUBLIC_KEY=rsa.public_pem,
                   JWT_PRIVATE_KEY=rsa.private_pem)
    client = app.test_client()
    client.post("/api/auth/register/", json={"username": "rita", "email": "rita@example.com",
                                             "password": password})
    tokens = client.post("/api/auth/login/", json={"username": "rita", "password": password}).get_json()
    assert jwt.get_unverified_header(tokens["access"])["alg"] == "RS256"
    assert client.get("/api/users/profile/", headers=bearer(tokens)).status_code == 200
    # an ES256 token, even one signed with the test run's real ES256 key, is not accepted here
    es256 = make_token(1)
    assert_problem(client.get("/api/users/profile/", headers={"Authorization": f"Bearer {es256}"}), 401,
                   "invalid_token")


def test_a_key_that_does_not_fit_the_algorithm_stops_start_up(shop_app, jwt_keys):
    from shop_common.config import SettingsError
    from users import create_app

    with pytest.raises(SettingsError, match="JWT key: the key does not fit RS256"):
        shop_app(create_app, JWT_ALGORITHM="RS256", JWT_PUBLIC_KEY=jwt_keys.public_pem,
                 JWT_PRIVATE_KEY=jwt_keys.private_pem)
