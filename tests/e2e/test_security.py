"""What a hostile client can try with tokens, accounts and other shoppers' things, through the gateway:
forged tokens refused by every service, other shoppers' carts and orders out of sight, no mass
assignment, and logins throttled."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
import redis as redis_lib

from shop_common.keys import generate_keypair
from shop_common.testing import assert_problem, concurrently, wait_until


def add(stack, shopper, goods, quantity=1):
    return stack.add_to_cart(shopper, goods["id"], goods["variant"], quantity)


# -- forged tokens -----------------------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(kind: str, stack, user_id: int, staff: bool, refresh: str) -> str:
    """An `Authorization` header of this kind for `user_id`: what an attacker could make."""
    claims = jwt.decode(stack.mint_token(user_id, staff=staff), options={"verify_signature": False})
    now = int(time.time())
    if kind == "alg_none":
        return "Bearer " + jwt.encode(claims, None, algorithm="none")
    if kind == "hs256_signed_with_the_public_key":  # algorithm confusion: the public key as an HMAC secret
        signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
        signature = hmac.new(stack.keys().public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
        return f"Bearer {signing_input}.{b64(signature)}"
    if kind == "signed_by_another_key":
        return "Bearer " + jwt.encode(claims, generate_keypair("ES256").private_pem, algorithm="ES256")
    if kind == "stripped_signature":
        return "Bearer " + stack.mint_token(user_id, staff=staff).rsplit(".", 1)[0] + "."
    if kind == "expired":
        return "Bearer " + stack.mint_token(user_id, staff=staff, iat=now - 1000, nbf=now - 1000, exp=now - 1)
    if kind == "not_yet_valid":
        return "Bearer " + stack.mint_token(user_id, staff=staff, nbf=now + 600)
    if kind == "wrong_audience":
        return "Bearer " + stack.mint_token(user_id, staff=staff, aud="another-shop")
    if kind == "wrong_issuer":
        return "Bearer " + stack.mint_token(user_id, staff=staff, iss="evil-issuer")
    if kind == "refresh_token_used_as_access":
        return f"Bearer {refresh}"
    if kind == "garbage":
        return "Bearer not-a-token.at.all"
    raise AssertionError(kind)


FORGERIES = ["alg_none", "hs256_signed_with_the_public_key", "signed_by_another_key", "stripped_signature",
             "expired", "not_yet_valid", "wrong_audience", "wrong_issuer", "refresh_token_used_as_access", "garbage"]
#: one endpoint of each service; the last one needs the staff claim, which the forgeries all carry
ENDPOINTS = {"users": ("GET", "/api/users/profile/"), "cart": ("GET", "/api/cart/"),
             "orders": ("GET", "/api/order/list/"), "products (staff)": ("PATCH", "/api/products/{slug}/")}


@pytest.fixture(scope="module")
def victim(stack):
    """A shopper with one real login (its refresh token is one of the forgeries)."""
    return stack.logged_in(stack.register("victim"))


def _call(stack, endpoint: str, goods, authorization: str):
    method, path = ENDPOINTS[endpoint]
    body = {"name": "Forged name"} if method == "PATCH" else None
    return stack.request(method, path.format(slug=goods["slug"]), json=body,
                         headers={"Authorization": authorization})


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("kind", FORGERIES)
def test_a_forged_token_is_a_401_problem_on_every_service(stack, victim, goods, kind, endpoint):
    staff = endpoint == "products (staff)"
    if staff:
        admin = stack.staff_tokens()
        user_id, refresh = jwt.decode(admin["access"], options={"verify_signature": False})["sub"], admin["refresh"]
    else:
        user_id, refresh = victim.id, victim.refresh

    response = _call(stack, endpoint, goods, forge(kind, stack, int(user_id), staff, refresh))

    body = assert_problem(response, 401)
    assert body["code"] in {"invalid_token", "token_expired", "not_authenticated"}, body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if staff:
        assert stack.product(goods["slug"])["name"] == goods["name"]


@pytest.mark.parametrize("source", ["login", "minted"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_well_made_token_is_accepted_everywhere(stack, victim, goods, mint_token, endpoint, source):
    # the control for the forgeries: the same requests with a real token, or one minted with the stack's
    # key as the users service makes them, get through
    staff = endpoint == "products (staff)"
    real = stack.staff_tokens()["access"] if staff else victim.access
    user_id = jwt.decode(real, options={"verify_signature": False})["sub"]
    token = real if source == "login" else mint_token(user_id, staff=staff)
    method, path = ENDPOINTS[endpoint]
    body = {"name": goods["name"]} if staff else None  # changes nothing
    response = stack.request(method, path.format(slug=goods["slug"]), json=body,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def test_a_shoppers_token_cannot_write_the_catalogue(stack, goods):
    shopper = stack.shopper("not-staff")
    response = stack.request("PATCH", f"/api/products/{goods['slug']}/", json={"name": "Mine now"},
                             headers=shopper.headers)
    assert_problem(response, 403)
    assert stack.product(goods["slug"])["name"] == goods["name"]


# -- other shoppers' things ------------------------------------------------------------------------------


def test_another_shoppers_cart_line_is_404_and_stays_as_it_was(stack, goods):
    alice, mallory = stack.shopper("alice"), stack.shopper("mallory")
    add(stack, alice, goods, 2)
    [(line, variant, _)] = stack.cart_lines(alice)
    add(stack, mallory, goods, 1)  # a cart of her own: her line ids are real too

    update = stack.request("PATCH", f"/api/cart/update/{line}/", json={"quantity": 9}, headers=mallory.headers)
    delete = stack.request("DELETE", f"/api/cart/delete/{line}/", headers=mallory.headers)

    assert_problem(update, 404)
    assert_problem(delete, 404)
    assert stack.cart_lines(alice) == [(line, variant, 2)]
    assert [q for _, _, q in stack.cart_lines(mallory)] == [1]


def test_another_shoppers_order_is_404_and_stays_as_it_was(stack, goods):
    alice, mallory = stack.shopper("alice"), stack.shopper("mallory")
    add(stack, alice, goods)
    placed = stack.checkout(alice)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]

    assert_problem(stack.get(f"/api/order/{order_id}/", headers=mallory.headers), 404, "order_not_found")
    assert_problem(stack.post(f"/api/order/{order_id}/cancel/", headers=mallory.headers), 404, "order_not_found")

    mine = stack.get(f"/api/order/{order_id}/", headers=alice.headers)
    assert mine.status_code == 200 and mine.json()["status"] == placed.json()["status"] != "cancelled"
    assert stack.get("/api/order/list/", headers=mallory.headers).json()["count"] == 0


def test_another_shoppers_idempotency_key_makes_an_order_of_ones_own(stack, goods):
    alice, mallory = stack.shopper("alice"), stack.shopper("mallory")
    key = str(uuid.uuid4())
    add(stack, alice, goods, 1)
    add(stack, mallory, goods, 3)
    first = stack.checkout(alice, key)
    assert first.status_code == 201, first.text

    theirs = stack.checkout(mallory, key)

    # a key is the shopper's own: the same one from someone else neither replays nor blocks anything
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers, theirs.text
    assert theirs.json()["id"] != first.json()["id"] and theirs.json()["items"][0]["quantity"] == 3


# -- mass assignment ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [{"is_staff": True}, {"is_superuser": True}, {"staff": True}, {"id": 1},
                                   {"date_joined": "2000-01-01T00:00:00Z"}])
def test_registering_with_fields_of_the_shops_own_is_refused_and_stores_nothing(stack, extra):
    username = f"sneaky-{uuid.uuid4().hex[:8]}"
    account = {"username": username, "email": f"{username}@example.com", "password": "correct horse battery"}

    refused = stack.post("/api/auth/register/", json={**account, **extra})

    assert "errors" in assert_problem(refused, 422, "validation_error")
    # nothing was stored: the same account without the extra field is still free to make
    assert stack.post("/api/auth/register/", json=account).status_code == 201


@pytest.mark.parametrize("change", [{"username": "mallory"}, {"is_staff": True}, {"id": 1},
                                    {"first_name": "Mallory", "is_staff": True},
                                    {"date_joined": "2000-01-01T00:00:00Z"}, {"staff": True}])
def test_a_profile_change_of_what_the_user_may_not_change_is_refused_and_changes_nothing(stack, change):
    shopper = stack.shopper("profile-guard")
    before = stack.get("/api/users/profile/", headers=shopper.headers).json()

    refused = stack.request("PATCH", "/api/users/profile/", json=change, headers=shopper.headers)

    assert_problem(refused, 422, "validation_error")
    assert stack.get("/api/users/profile/", headers=shopper.headers).json() == before


@pytest.mark.parametrize("extra", [{"unit_price": "0.01"}, {"line_total": "0.01"}, {"price": "0.01"},
                                   {"user_id": 1}])
def test_a_cart_line_with_a_price_of_the_clients_is_refused(stack, goods, extra):
    shopper = stack.shopper("price-setter")
    refused = stack.post("/api/cart/add/", headers=shopper.headers,
                         json={"product_id": goods["id"], "variant_id": goods["variant"], **extra})
    assert_problem(refused, 422, "validation_error")
    assert stack.cart_lines(shopper) == []


@pytest.mark.parametrize("extra", [{"status": "delivered"}, {"total_price": "0.01"}, {"user_id": 1},
                                   {"number": "000-000-001"},
                                   {"items": [{"variant_id": 1, "quantity": 1, "unit_price": "0.01"}]}])
def test_an_order_with_fields_of_the_shops_own_is_refused_and_makes_nothing(stack, goods, extra):
    shopper = stack.shopper("order-setter")
    add(stack, shopper, goods)
    stock = stack.product(goods["slug"])["stock"]

    assert_problem(stack.checkout(shopper, **extra), 422, "validation_error")

    assert stack.get("/api/order/list/", headers=shopper.headers).json()["count"] == 0
    assert [q for _, _, q in stack.cart_lines(shopper)] == [1]
    assert stack.product(goods["slug"])["stock"] == stock


# -- login throttling ------------------------------------------------------------------------------------
# Each from a client address of its own (any 127.x address is this machine), so the other tests' logins
# from 127.0.0.1 neither count here nor get held back.


def test_wrong_passwords_from_a_stranger_hold_back_that_address_not_the_owner(stack):
    shopper = stack.register("guessed")
    answers = [stack.login_from("127.0.0.2", shopper.username, f"wrong guess {n}") for n in range(5)]
    assert [a.status_code for a in answers] == [401] * 5

    stranger = stack.login_from("127.0.0.2", shopper.username, shopper.password)
    owner = stack.login_from("127.0.0.5", shopper.username, shopper.password)

    assert_problem(stranger, 429, "login_throttled")
    assert 0 < int(stranger.headers["Retry-After"]) <= 60
    assert owner.status_code == 200, owner.text  # at once, from the owner's own address
    # the next attempt does not even reach the users service: the gateway's own limit (a burst of 5)
    gateway = stack.login_from("127.0.0.2", shopper.username, shopper.password)
    assert_problem(gateway, 429, "too_many_requests")
    assert int(gateway.headers["Retry-After"]) > 0


def test_many_logins_from_one_address_are_throttled_by_the_gateway(stack):
    answers = [stack.login_from("127.0.0.3", f"nobody-{n}-{uuid.uuid4().hex[:6]}", "wrong password")
               for n in range(8)]

    # 10 a minute with a burst of 5: six reach the users service (which refuses the credentials)
    assert [a.status_code for a in answers] == [401] * 6 + [429] * 2
    problem = assert_problem(answers[-1], 429, "too_many_requests")
    assert problem["request_id"] == answers[-1].headers["X-Request-ID"]
    assert int(answers[-1].headers["Retry-After"]) > 0
    # per address: another client is not held back
    assert stack.login_from("127.0.0.4", "nobody-else", "wrong password").status_code == 401


# -- revocations and Redis ---------------------------------------------------------------------------------


def test_a_token_logged_out_before_redis_lost_the_revocations_is_401_after_it_on_every_service(stack):
    shopper = stack.logged_in(stack.register("wiped"))
    other = stack.shopper("unwiped")  # a session nobody ended
    out = stack.post("/api/auth/logout/", json={"refresh": shopper.refresh}, headers=shopper.headers)
    assert out.status_code == 204, out.text
    # what a Redis restarted empty loses for the token checks: every revocation and the marker (only these
    # keys: the other tests' queues and counts on this stack's Redis stay)
    redis = redis_lib.Redis.from_url(stack.redis_url)
    redis.delete(*redis.keys("shop:revoked:*"))
    redis.close()

    paths = ["/api/users/profile/", "/api/cart/", "/api/order/list/"]
    seen: dict[str, list[int]] = {path: [] for path in paths}

    def settled() -> bool:
        for path in paths:
            answer = stack.get(path, headers=shopper.headers)
            if answer.status_code == 503:
                assert_problem(answer, 503, "revocations_unavailable")
                assert int(answer.headers["Retry-After"]) > 0
            seen[path].append(answer.status_code)
        return all(statuses[-1] != 503 for statuses in seen.values())

    wait_until(settled, timeout=60, interval=0.1)
    for path, statuses in seen.items():
        assert set(statuses) <= {503, 401} and statuses[-1] == 401, (path, statuses)  # never 200
        assert_problem(stack.get(path, headers=shopper.headers), 401, "token_revoked")
        assert stack.get(path, headers=other.headers).status_code == 200


def test_ten_concurrent_refreshes_of_one_token_leave_the_shopper_signed_in(stack):
    shopper = stack.logged_in(stack.register("two-tabs"))

    answers = concurrently(10, lambda _: stack.post("/api/auth/refresh/", json={"refresh": shopper.refresh}))

    assert [a.status_code for a in answers] == [200] * 10, [a.text for a in answers]
    [pair] = {(a.json()["access"], a.json()["refresh"]) for a in answers}
    assert stack.get("/api/cart/", headers={"Authorization": f"Bearer {pair[0]}"}).status_code == 200
    assert stack.post("/api/auth/refresh/", json={"refresh": pair[1]}).status_code == 200
