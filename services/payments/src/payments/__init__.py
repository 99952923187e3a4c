"""The payments service: card payments on a provider's hosted page (Stripe, or the shop's sandbox), the
provider's signed webhooks, and refunds; it tells the orders service what each payment became.

How it goes (DESIGN of issue 17): at checkout orders asks `POST /internal/payments/` for a session; the shopper
pays on the provider's page; the provider's signed event (`POST /api/payments/webhooks/{provider}/`) settles the
payment (`payments.service`), and payments tells orders the new state right after the commit, and again from
the housekeeping until orders acknowledges it. The housekeeping also checks sessions past their end whose
event never came, retries failed refunds, and (sandbox) posts the sandbox's events and expires its sessions.
"""

from pathlib import Path

from flask import Flask

from payments.api import BLUEPRINTS
from payments.clients import init_clients
from payments.config import SETTINGS, check
from payments.models import db
from payments.providers import init_provider
from shop_common.app import service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def create_app(overrides=None) -> Flask:
    """Build the payments app; `overrides` (typed values keyed without `SHOP_`) win over the environment."""
    app = service_app("payments", settings=SETTINGS, overrides=overrides, db=db, migrations=MIGRATIONS,
                      blueprints=BLUEPRINTS, description="Card payments, the provider's webhooks and refunds.")
    check(app.config["SHOP"])
    init_clients(app)
    init_provider(app)
    if app.config["SHOP"]["PAYMENTS_PROVIDER"] == "sandbox":  # its tasks first: a turn posts what it ends
        from payments.api.sandbox import blp as sandbox_page
        from payments.sandbox import init_sandbox

        init_sandbox(app)
        app.register_blueprint(sandbox_page)
    from payments import service

    keeper = app.extensions["shop_housekeeping"]
    for name, task, every in service.TASKS:
        keeper.add(name, task, every=every)
    return app
