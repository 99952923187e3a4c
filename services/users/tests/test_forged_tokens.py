"""Every forged, expired, misused or malformed token is a 401 problem+json, and changes nothing."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shop_common.keys import generate_keypair
from shop_common.testing import assert_problem


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def split(token):
    header, payload, signature = token.split(".")
    return header, payload, signature


def claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})


def forge(kind, tokens, jwt_keys, make_token, user_id):
    """The forged `Authorization` header value of each kind, made from a real login of the user."""
    access, refresh = tokens["access"], tokens["refresh"]
    header, payload, signature = split(access)
    claims = claims_of(access)
    other_user = {**claims, "sub": str(user_id + 1)}
    if kind == "alg_none":
        return "Bearer " + jwt.encode({**claims, "staff": True}, None, algorithm="none")
    if kind == "alg_none_unsigned_uppercase":
        return "Bearer " + ".".join([b64({"alg": "NONE", "typ": "JWT"}), payload, ""])
    if kind == "hs256_with_the_public_key_as_secret":  # the classic algorithm-confusion attack
        return "Bearer " + ".".join(_hs256(claims, jwt_keys.public_pem.encode()))
    if kind == "swapped_payload":
        return "Bearer " + ".".join([header, b64(other_user), signature])
    if kind == "stripped_signature":
        return f"Bearer {header}.{payload}."
    if kind == "garbage_signature":
        return f"Bearer {header}.{payload}.{b64(b'not a signature at all, not even close!')}"
    if kind == "signed_by_another_key":
        return "Bearer " + make_token(user_id, key=generate_keypair("ES256").private_pem)
    if kind == "rs256_not_the_allowed_algorithm":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return "Bearer " + jwt.encode(claims, key, algorithm="RS256")
    if kind == "expired":
        now = int(time.time())
        return "Bearer " + make_token(user_id, iat=now - 1000, nbf=now - 1000, exp=now - 1)
    if kind == "not_yet_valid":
        return "Bearer " + make_token(user_id, nbf=int(time.time()) + 600)
    if kind == "refresh_used_as_access":
        return f"Bearer {refresh}"
    if kind == "wrong_issuer":
        return "Bearer " + make_token(user_id, iss="evil-issuer")
    if kind == "wrong_audience":
        return "Bearer " + make_token(user_id, aud="another-shop")
    if kind == "no_expiry":
        return "Bearer " + make_token(user_id, exp=None)
    if kind == "no_jti":
        return "Bearer " + make_token(user_id, jti=None)
    if kind == "no_type":
        return "Bearer " + make_token(user_id, type=None)
    if kind == "no_session_family":
        return "Bearer " + make_token(user_id, fam=None)
    if kind == "integer_sub":
        return "Bearer " + jwt.encode({**claims, "sub": user_id}, jwt_keys.private_pem, algorithm="ES256")
    if kind == "non_numeric_sub":
        return "Bearer " + make_token("admin")
    if kind == "staff_claim_not_a_boolean":
        return "Bearer " + make_token(user_id, staff="yes")
    if kind == "not_three_parts":
        return f"Bearer {header}.{payload}"
    if kind == "not_base64":
        return "Bearer %%%.!!!.###"
    if kind == "not_json":
        return f"Bearer {b64(b'not json')}.{b64(b'not json')}.{signature}"
    if kind == "basic_scheme":
        return "Basic " + base64.b64encode(b"alice:correct horse battery").decode()
    if kind == "bearer_without_token":
        return "Bearer"
    if kind == "token_without_scheme":
        return access
    raise AssertionError(kind)


def _hs256(claims, secret):
    import hashlib
    import hmac

    header = b64({"alg": "HS256", "typ": "JWT"})
    payload = b64(claims)
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return header, payload, b64(signature)


KINDS = ["alg_none", "alg_none_unsigned_uppercase", "hs256_with_the_public_key_as_secret", "swapped_payload",
         "stripped_signature", "garbage_signature", "signed_by_another_key", "rs256_not_the_allowed_algorithm",
         "expired", "not_yet_valid", "refresh_used_as_access", "wrong_issuer", "wrong_audience", "no_expiry",
         "no_jti", "no_type", "no_session_family", "integer_sub", "non_numeric_sub", "staff_claim_not_a_boolean",
         "not_three_parts", "not_base64", "not_json", "basic_scheme", "bearer_without_token", "token_without_scheme"]


@pytest.mark.parametrize("kind", KINDS)
def test_forged_tokens_are_401_problems_and_change_nothing(kind, client, register, login, jwt_keys, make_token,
                                                           stored):
    alice = register("alice")
    register("bob")  # the user a swapped payload points at
    tokens = login("alice")
    header = forge(kind, tokens, jwt_keys, make_token, alice["id"])

    read = client.get("/api/users/profile/", headers={"Authorization": header})
    body = assert_problem(read, 401)
    assert body["code"] in {"invalid_token", "token_expired", "not_authenticated"}
    assert read.headers["WWW-Authenticate"].startswith("Bearer")

    before = stored("alice")
    change = client.patch("/api/users/profile/", json={"first_name": "Mallory"},
                          headers={"Authorization": header})
    assert_problem(change, 401)
    after = stored("alice")
    assert (after.first_name, after.updated_at) == (before.first_name, before.updated_at)
    logout = client.post("/api/auth/logout/", json={"refresh": tokens["refresh"]},
                         headers={"Authorization": header})
    assert_problem(logout, 401)
    # the real token still works: the forgery revoked nothing
    assert client.get("/api/users/profile/",
                      headers={"Authorization": f"Bearer {tokens['access']}"}).status_code == 200


def test_an_expired_token_says_so(client, make_token, register):
    user = register("alice")
    now = int(time.time())
    token = make_token(user["id"], iat=now - 100, nbf=now - 100, exp=now - 1)
    assert_problem(client.get("/api/users/profile/", headers={"Authorization": f"Bearer {token}"}), 401,
                   "token_expired")


def test_a_valid_token_made_the_same_way_is_accepted(client, make_token, register):
    """The forgeries above fail for what was changed, not because of how tests make tokens."""
    user = register("alice")
    token = make_token(user["id"])
    assert client.get("/api/users/profile/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
