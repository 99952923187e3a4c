"""With its Postgres down, the users service answers 503 `database_unavailable` with `Retry-After`: never a 500."""

import pytest

from shop_common.testing import assert_database_unavailable
from users import create_app


@pytest.fixture(scope="module")
def down(app_without_database, jwt_keys):
    return app_without_database(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem).test_client()


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/auth/register/", {"username": "bob", "email": "bob@example.com",
                                     "password": "correct horse battery"}),
    ("POST", "/api/auth/login/", {"username": "bob", "password": "correct horse battery"}),
    ("POST", "/api/auth/refresh/", {"refresh": "not.a.token"}),
    ("GET", "/api/users/profile/", None),
    ("POST", "/api/auth/password-reset/", {"email": "bob@example.com"}),
    ("POST", "/api/auth/password-reset/confirm/", {"token": "a" * 43, "password": "correct horse battery"}),
    ("POST", "/api/auth/verify-email/", {"token": "a" * 43}),
    ("POST", "/api/auth/verify-email/resend/", None),
    ("POST", "/api/users/password/", {"current_password": "x", "new_password": "correct horse battery"}),
])
def test_every_call_that_needs_the_database_is_a_503_while_it_is_down(down, make_token, method, path, body):
    headers = {"Authorization": f"Bearer {make_token(1)}"}
    response = down.open(path, method=method, json=body, headers=headers)
    if response.status_code != 401:  # a refresh token that is not one needs no database to be refused
        assert_database_unavailable(response)
    assert down.get("/healthz").status_code == 200  # alive: no restart is wanted
