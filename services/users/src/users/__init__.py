"""The users service: accounts, login, JWT issuing (the only holder of the signing key), profiles."""

from pathlib import Path

from flask import Flask

from shop_common.app import service_app
from shop_common.outbox import init_outbox
from users.api import BLUEPRINTS
from users.config import SETTINGS
from users.models import db
from users.throttle import Throttle

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def create_app(overrides=None) -> Flask:
    """Build the users app; `overrides` (typed values keyed without `SHOP_`) win over the environment."""
    app = service_app("users", settings=SETTINGS, overrides=overrides, db=db, migrations=MIGRATIONS,
                      blueprints=BLUEPRINTS,
                      description="Registration, login, token refresh and logout, and profiles.")
    init_outbox(app, db)
    app.extensions["users_throttle"] = Throttle(app, app.extensions["shop_redis"].connection_pool)
    from users.cli import register_commands

    register_commands(app)
    return app
