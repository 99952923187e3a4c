"""The cart service: a cart per user whose every add and change is checked against the products service."""

from pathlib import Path

from flask import Flask

from cart.api import BLUEPRINTS
from cart.clients.products import init_products
from cart.config import SETTINGS
from cart.models import db
from cart.service import forget_add_keys
from shop_common.app import service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def create_app(overrides=None) -> Flask:
    """Build the cart app; `overrides` (typed values keyed without `SHOP_`) win over the environment."""
    app = service_app("cart", settings=SETTINGS, overrides=overrides, db=db, migrations=MIGRATIONS,
                      blueprints=BLUEPRINTS, description="The shopper's cart.")
    init_products(app)
    app.extensions["shop_housekeeping"].add("add keys forgotten", forget_add_keys, every=600.0)
    return app
