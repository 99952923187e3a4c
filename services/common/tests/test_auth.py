"""Token checks of every service (`shop_common.auth`) against revocations in a real Redis: revoked tokens
refused, and no token trusted while Redis has lost the revocations (the marker gone)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt
import pytest
from flask.views import MethodView

from shop_common import auth
from shop_common.api import Blueprint
from shop_common.app import service_app
from shop_common.auth import authenticated, current_user_id
from shop_common.db import make_db
from shop_common.redis import make_redis
from shop_common.testing import assert_problem, wipe_redis

blp = Blueprint("probe", __name__, url_prefix="/api/probe")


@blp.route("/")
class Probe(MethodView):
    @authenticated(blp)
    def get(self):
        """Who the token says the caller is."""
        return {"user_id": current_user_id()}


@pytest.fixture(scope="module")
def app(shop_app, tmp_path_factory):
    versions = tmp_path_factory.mktemp("versions")  # a service without tables
    return shop_app(lambda overrides: service_app("probe", overrides=overrides, db=make_db(),
                                                  migrations=Path(versions), blueprints=[blp]))


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def call(client, token):
    return client.get("/api/probe/", headers={"Authorization": f"Bearer {token}"})


def test_a_token_is_refused_once_its_jti_or_its_family_is_revoked(app, client, make_token):
    by_jti, by_family, untouched = make_token(1), make_token(2), make_token(3)
    with app.app_context():
        auth.revoke(jti=claims(by_jti)["jti"], until=time.time() + 60)
        auth.revoke(family=claims(by_family)["fam"], until=time.time() + 60)
    assert_problem(call(client, by_jti), 401, "token_revoked")
    assert_problem(call(client, by_family), 401, "token_revoked")
    assert call(client, untouched).get_json() == {"user_id": 3}


def test_no_token_is_trusted_while_the_marker_of_loaded_revocations_is_missing(app, client, make_token):
    token = make_token(1)
    wipe_redis(app.config["SHOP"]["REDIS_URL"])

    refused = call(client, token)

    body = assert_problem(refused, 503, "revocations_unavailable")
    assert int(refused.headers["Retry-After"]) == auth.RESTORE_RETRY_AFTER and body["detail"]
    assert_problem(client.get("/api/probe/"), 401, "not_authenticated")  # no token: nothing to trust
    with app.app_context():
        assert auth.restore([]) and auth.revocations_loaded()
    assert call(client, token).status_code == 200


def test_a_revocation_restored_after_a_wipe_is_refused_again(app, client, make_token):
    token = make_token(1)
    wipe_redis(app.config["SHOP"]["REDIS_URL"])
    with app.app_context():
        assert auth.restore([("jti", claims(token)["jti"], time.time() + 60),
                             ("family", str(uuid.uuid4()), time.time() + 60)])
    assert_problem(call(client, token), 401, "token_revoked")


def test_with_redis_down_tokens_are_checked_without_revocations_as_documented(app, client, make_token, caplog):
    redis = app.extensions["shop_redis"]
    app.extensions["shop_redis"] = make_redis("redis://127.0.0.1:1/0", 0.5)  # nothing listens there
    try:
        assert call(client, make_token(4)).get_json() == {"user_id": 4}
    finally:
        app.extensions["shop_redis"] = redis
    assert "revocation check skipped: Redis unreachable" in caplog.text


def test_the_503_is_in_the_openapi_document_of_every_authenticated_operation(client):
    operation = client.get("/openapi.json").get_json()["paths"]["/api/probe/"]["get"]
    assert {"401", "503"} <= set(operation["responses"])
