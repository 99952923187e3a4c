"""Fixtures of the users service's tests: the real app on a real, migrated Postgres database and Redis."""

import pytest

from users import create_app
from users.models import User, db

PASSWORD = "correct horse battery"


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(scope="session")
def app(shop_app, jwt_keys):
    return shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem)


@pytest.fixture
def register(client):
    """`register(username, email=None, password=PASSWORD, **extra)`: a new account, asserted 201."""

    def make(username="alice", email=None, password=PASSWORD, **extra):
        body = {"username": username, "email": email or f"{username}@example.com", "password": password,
                **extra}
        response = client.post("/api/auth/register/", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def login(client):
    """`login(username, password=PASSWORD)`: the token pair, asserted 200."""

    def make(username="alice", password=PASSWORD):
        response = client.post("/api/auth/login/", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def auth(register, login):
    """A registered user `alice` and the `Authorization` header of a fresh login."""
    register("alice")
    tokens = login("alice")
    return {"Authorization": f"Bearer {tokens['access']}"}


@pytest.fixture
def stored(app):
    """`stored(username)`: the user row as the database has it now (None if absent)."""

    def read(username="alice"):
        with app.app_context():
            user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
            db.session.expunge_all()
            return user

    return read


@pytest.fixture
def owed(app):
    """`owed(template=None)`: the messages the outbox holds (of `template`), oldest first."""
    from users.models import Outbox

    def read(template=None):
        with app.app_context():
            messages = [row.message for row in db.session.query(Outbox).order_by(Outbox.id)]
            db.session.remove()
        return [m for m in messages if template is None or m["template"] == template]

    return read


@pytest.fixture
def link(owed):
    """`link(template)`: the token of the newest email of `template` owed (the one its link carries)."""

    def token(template):
        return owed(template)[-1]["context"]["token"]

    return token
