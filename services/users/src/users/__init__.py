"""The users service: accounts, login, JWT issuing (the only holder of the signing key), profiles."""

from pathlib import Path

from flask import Flask

from shop_common.app import service_app
from shop_common.auth import revocations_loaded
from shop_common.outbox import init_outbox
from users.api import BLUEPRINTS
from users.config import SETTINGS
from users.grace import init_grace
from users.links import init_links
from users.models import db
from users.revocations import init_revocations
from users.throttle import Throttle

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _revocations_check() -> None:
    # ready once Redis holds the token revocations: until then every service refuses tokens (503)
    if not revocations_loaded():
        raise LookupError("token revocations not restored to Redis yet")


def create_app(overrides=None) -> Flask:
    """Build the users app; `overrides` (typed values keyed without `SHOP_`) win over the environment."""
    app = service_app("users", settings=SETTINGS, overrides=overrides, db=db, migrations=MIGRATIONS,
                      blueprints=BLUEPRINTS, checks={"revocations": _revocations_check},
                      description="Registration, login, token refresh and logout, password resets and changes, "
                                  "email verification, and profiles.")
    init_revocations(app)  # first: a process's first background turn restores them
    init_grace(app)
    init_links(app)
    init_outbox(app, db)
    app.extensions["users_throttle"] = Throttle(app, app.extensions["shop_redis"].connection_pool)
    from users.cli import register_commands

    register_commands(app)
    return app
