"""The payments service: card payments on a provider's hosted page (Stripe, or the shop's sandbox), the
provider's signed webhooks, and refunds; it tells the orders service what each payment became."""

from pathlib import Path

from flask import Flask

from payments.api import BLUEPRINTS
from payments.config import SETTINGS
from payments.models import db
from shop_common.app import service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def create_app(overrides=None) -> Flask:
    """Build the payments app; `overrides` (typed values keyed without `SHOP_`) win over the environment."""
    return service_app("payments", settings=SETTINGS, overrides=overrides, db=db, migrations=MIGRATIONS,
                       blueprints=BLUEPRINTS, description="Card payments, the provider's webhooks and refunds.")
