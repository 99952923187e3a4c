"""The products service: categories, products with variants and stock, search, and the staff catalogue."""

from pathlib import Path

from flask import Flask
from sqlalchemy import event

from products.api import BLUEPRINTS
from products.catalogue.filters import fuzzy_threshold
from products.cli import register_commands
from products.config import SETTINGS
from products.models import db
from shop_common.app import service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def create_app(overrides=None) -> Flask:
    """Build the products app; `overrides` (typed values keyed without `SHOP_`) win over the environment."""
    app = service_app("products", settings=SETTINGS, overrides=overrides, db=db, migrations=MIGRATIONS,
                      blueprints=BLUEPRINTS,
                      description="The catalogue: categories, products, variants and stock.")
    register_commands(app)
    with app.app_context():
        event.listen(db.engine, "connect", fuzzy_threshold)
    from products.stock import expire_due

    # reserves expire held stock too; this gives it back when no checkout comes for a while
    app.extensions["shop_housekeeping"].add("reservation expiry", expire_due, every=15.0)
    return app
