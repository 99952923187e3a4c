"""No stranger can lock a shopper out, and two tabs refreshing at once do not sign one out (issue 15): five
wrong passwords from another address leave the owner able to log in within seconds; ten concurrent
refreshes of one refresh token leave the shopper signed in, with one new pair. Each from client addresses of
its own (any 127.x address is this machine), so that other tests' logins neither count here nor get held."""

from __future__ import annotations

import json
import time

from shop_common.testing import concurrently

#: how long the owner may be slowed down after a stranger's guesses ("within seconds"), waits included
OWNER_PATIENCE = 30


def test_five_wrong_passwords_from_another_address_leave_the_owner_able_to_log_in(stack):
    owner = stack.register("not-locked-out")
    guesses = [stack.login_from("127.0.5.2", owner.username, f"wrong guess {n}") for n in range(5)]
    assert [g.status_code for g in guesses] == [401] * 5

    deadline = time.monotonic() + OWNER_PATIENCE
    while True:  # a well-behaved client: after a 429, again once its Retry-After has passed
        right = stack.login_from("127.0.5.3", owner.username, owner.password)
        wait = int(right.headers.get("Retry-After", "0"))
        if right.status_code != 429 or time.monotonic() + wait > deadline:
            break
        time.sleep(wait)

    said = f"{right.status_code} {right.text[:200]} (Retry-After {right.headers.get('Retry-After')})"
    assert right.status_code == 200, said
    assert stack.get("/api/users/profile/", headers={"Authorization": f"Bearer {right.json()['access']}"}
                     ).status_code == 200


def test_ten_concurrent_refreshes_of_one_token_leave_the_shopper_signed_in(stack):
    shopper = stack.register("two-tabs")
    login = stack.login_from("127.0.5.4", shopper.username, shopper.password)
    assert login.status_code == 200, login.text
    refresh = login.json()["refresh"]

    answers = concurrently(10, lambda _: stack.post("/api/auth/refresh/", json={"refresh": refresh}))

    assert [a.status_code for a in answers] == [200] * 10, [(a.status_code, a.text[:120]) for a in answers]
    pairs = {json.dumps(a.json(), sort_keys=True) for a in answers}
    assert len(pairs) == 1, f"{len(pairs)} different pairs: the tabs would hold different sessions"
    pair = answers[0].json()
    assert stack.get("/api/users/profile/", headers={"Authorization": f"Bearer {pair['access']}"}).status_code == 200
    assert stack.post("/api/auth/refresh/", json={"refresh": pair["refresh"]}).status_code == 200
