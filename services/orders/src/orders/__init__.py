"""The orders service: checkout from the cart as a saga, order history, cancel, and the staff's status moves."""

from pathlib import Path

from flask import Flask

from orders.api import BLUEPRINTS
from orders.clients import init_clients
from orders.config import SETTINGS
from orders.models import db
from shop_common.app import service_app
from shop_common.outbox import init_outbox

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def create_app(overrides=None) -> Flask:
    """Build the orders app; `overrides` (typed values keyed without `SHOP_`) win over the environment."""
    app = service_app("orders", settings=SETTINGS, overrides=overrides, db=db, migrations=MIGRATIONS,
                      blueprints=BLUEPRINTS, description="Checkout, order history, cancel and status moves.")
    init_clients(app)
    init_outbox(app, db)
    from orders.checkout import repair

    app.extensions["shop_housekeeping"].add("checkout repair", repair, every=10.0)
    return app
