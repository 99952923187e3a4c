"""Revocations survive Redis losing its data: recorded in Postgres, restored to Redis by the housekeeping,
and no token trusted (503) while the marker of loaded revocations is missing."""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from shop_common import auth
from shop_common.redis import make_redis
from shop_common.testing import assert_problem, wait_until, wipe_redis


def bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access']}"}


@contextmanager
def housekeeping(app):
    """The service's background thread, as a serving process runs it."""
    stop = threading.Event()
    thread = threading.Thread(target=app.extensions["shop_housekeeping"].loop, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def logout(client, tokens):
    response = client.post("/api/auth/logout/", json={"refresh": tokens["refresh"]}, headers=bearer(tokens))
    assert response.status_code == 204, response.get_json()


def test_a_token_logged_out_before_a_redis_wipe_is_503_until_restored_then_401_never_200(app, client, register,
                                                                                         login):
    register("alice")
    gone, kept = login("alice"), login("alice")
    logout(client, gone)
    wipe_redis(app.config["SHOP"]["REDIS_URL"])

    during = client.get("/api/users/profile/", headers=bearer(gone))
    body = assert_problem(during, 503, "revocations_unavailable")
    assert int(during.headers["Retry-After"]) > 0 and body["detail"]
    assert_problem(client.get("/api/users/profile/", headers=bearer(kept)), 503, "revocations_unavailable")
    assert_problem(client.get("/readyz"), 503, "not_ready")

    seen = []
    with housekeeping(app):
        wait_until(lambda: seen.append(client.get("/api/users/profile/", headers=bearer(gone)).status_code)
                   or seen[-1] != 503, timeout=60, interval=0.05)
    assert set(seen[:-1]) <= {503} and seen[-1] == 401, seen
    assert_problem(client.get("/api/users/profile/", headers=bearer(gone)), 401, "token_revoked")
    assert client.get("/api/users/profile/", headers=bearer(kept)).status_code == 200
    assert client.get("/readyz").status_code == 200


def test_a_fresh_empty_redis_locks_nobody_out_once_the_service_has_started(app, client, register, login):
    wipe_redis(app.config["SHOP"]["REDIS_URL"])  # a shop's first start: nothing in Redis, no marker
    with housekeeping(app):  # what a starting process runs first
        wait_until(lambda: client.get("/readyz").status_code == 200, timeout=60)
    register("alice")
    tokens = login("alice")
    assert client.get("/api/users/profile/", headers=bearer(tokens)).status_code == 200


def test_a_wipe_during_a_restore_leaves_the_marker_unwritten(app):
    url = app.config["SHOP"]["REDIS_URL"]
    wipe_redis(url)

    def revocations():
        yield "jti", "7c0a4ad4-5a5d-4f7e-9d5d-7f7b7a0c1d11", 4_000_000_000
        wipe_redis(url)  # Redis restarts empty while the restore writes
        yield "jti", "7c0a4ad4-5a5d-4f7e-9d5d-7f7b7a0c1d12", 4_000_000_000

    with app.app_context():
        assert auth.restore(revocations()) is False
        assert not auth.revocations_loaded()
        assert auth.restore(iter([])) is True
        assert auth.revocations_loaded()


def test_a_logout_while_redis_is_down_is_recorded_and_reaches_redis_when_it_is_back(app, client, register,
                                                                                   login):
    register("alice")
    tokens = login("alice")
    mirror, redis = app.extensions["users_revocations"], app.extensions["shop_redis"]
    mirror.behind = False  # as a process that had restored them at start
    app.extensions["shop_redis"] = make_redis("redis://127.0.0.1:1/0", 0.5)  # nothing listens: Redis is away
    try:
        response = client.post("/api/auth/logout/", json={"refresh": tokens["refresh"]}, headers=bearer(tokens))
        assert_problem(response, 503, "revocation_unavailable")
        assert response.headers["Retry-After"]
    finally:
        app.extensions["shop_redis"] = redis
    # Redis is back with its data (the marker too) but without this logout's revocation: the process knows
    assert mirror.behind
    with housekeeping(app):
        wait_until(lambda: not mirror.behind, timeout=60)
    assert_problem(client.get("/api/users/profile/", headers=bearer(tokens)), 401, "token_revoked")
    assert_problem(client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}), 401, "token_revoked")


def test_revocations_are_recorded_in_postgres_and_pruned_once_expired(app, client, register, login):
    from users import revocations
    from users.models import Revocation, db

    register("alice")
    tokens = login("alice")
    logout(client, tokens)
    with app.app_context():
        rows = {kind: until for kind, until in db.session.execute(select(Revocation.kind, Revocation.until))}
        assert set(rows) == {"jti", "family"} and rows["family"] > rows["jti"]
        assert revocations.prune() == 0
        db.session.execute(update(Revocation).where(Revocation.kind == "jti")
                           .values(until=Revocation.until - timedelta(hours=1)))
        db.session.commit()
        assert revocations.prune() == 1
        assert db.session.scalars(select(Revocation.kind)).all() == ["family"]


@pytest.mark.parametrize("kind", ["jti", "family"])
def test_a_restore_writes_each_unexpired_revocation_with_its_expiry(app, kind):
    redis = app.extensions["shop_redis"]
    wipe_redis(app.config["SHOP"]["REDIS_URL"])
    value = "0b5d3c7e-1d2a-4f51-9a44-3a1f0c9e8b77"
    with app.app_context():
        assert auth.restore([(kind, value, time.time() + 120)])
    key = (auth.REVOKED_JTI if kind == "jti" else auth.REVOKED_FAMILY).format(value)
    assert 100 < redis.ttl(key) <= 121
