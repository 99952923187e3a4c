"""Migration 0004 on a database that has accounts already: every email gets its folded key, and accounts
that lower() kept apart but folding makes one are all kept, the oldest owning the key."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from users import create_app


def test_the_email_key_is_backfilled_and_folded_duplicates_are_kept(shop_app, jwt_keys, capfd):
    app = shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem)
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        downgrade(revision="0003")
        with db.engine.begin() as conn:
            for name, email in [("ada", "Ada@Example.com"), ("old", "straße@example.com"),
                                ("new", "STRASSE@example.com")]:
                conn.execute(text("INSERT INTO users (username, email, password_hash) VALUES (:u, :e, 'x')"),
                             {"u": name, "e": email})
        upgrade()
        with db.engine.connect() as conn:
            keys = dict(conn.execute(text("SELECT username, email_key FROM users")).all())
            ids = dict(conn.execute(text("SELECT username, id FROM users")).all())
    assert keys == {"ada": "ada@example.com", "old": "strasse@example.com",
                    "new": f"duplicate {ids['new']}: strasse@example.com"}
    assert f"users {ids['old']} and {ids['new']} have one email once case-folded" in capfd.readouterr().err
    client = app.test_client()
    taken = client.post("/api/auth/register/", json={"username": "third", "email": "Strasse@example.com",
                                                     "password": "correct horse battery"})
    assert taken.status_code == 409
