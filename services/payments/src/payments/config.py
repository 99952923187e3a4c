"""The payments service's own settings, next to the kit's common ones (`shop_common.config.COMMON`).

`check()` refuses, at start-up, what the settings allow one by one but not together: the sandbox with
`SHOP_ENV=production` unless asked for in so many words, Stripe without its secrets or with a session
life Stripe refuses, the sandbox without its webhook secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shop_common.config import Setting, SettingsError, as_bool, base_url, one_of, positive_float
from shop_common.http import client_settings
from shop_common.internal import SERVICE_TOKEN

#: the session life Stripe allows (minutes): `expires_at` 30 minutes to 24 hours ahead
STRIPE_SESSION_MINUTES = (30.0, 1440.0)


def _dev_sandbox_secret(settings: Mapping[str, Any]) -> str:
    from shop_common.keys import dev_secret

    return "whsec_" + dev_secret(Path(settings["VAR_DIR"]) / "secrets", "payments-sandbox-webhook")


SETTINGS = (
    SERVICE_TOKEN,
    Setting("PAYMENTS_PROVIDER", "who takes card payments: stripe, sandbox (the shop's own test page: never a "
            "real charge) or none (cash on delivery only)", "none", cast=one_of("none", "sandbox", "stripe")),
    Setting("PAYMENTS_SANDBOX_IN_PRODUCTION", "let the sandbox run with SHOP_ENV=production (a demo shop)", "false",
            cast=as_bool),
    Setting("PAYMENTS_SESSION_MINUTES", "a card session's life in minutes (Stripe takes 30 to 1440; the sandbox "
            "any)", "30", cast=positive_float),
    Setting("PAYMENTS_SANDBOX_WEBHOOK_SECRET", "the secret the sandbox signs its webhook events with (required "
            "with the sandbox; in development one is made under var/secrets)", secret=True,
            dev_default=_dev_sandbox_secret),
    Setting("PAYMENTS_SANDBOX_WEBHOOK_URL", "where the sandbox posts its events: the shop's webhook, through the "
            "front door as Stripe's come", "",
            cast=lambda raw: base_url(raw) + "/" if raw.strip() else "",
            shown_default="{SHOP_URL}/api/payments/webhooks/sandbox/"),
    Setting("STRIPE_SECRET_KEY", "Stripe's secret API key (required with the stripe provider)", secret=True),
    Setting("STRIPE_WEBHOOK_SECRET", "the whsec_... secret of the shop's Stripe webhook endpoint (required with "
            "the stripe provider)", secret=True),
    Setting("STRIPE_API_BASE", "Stripe's API (tests: a local fake)", "https://api.stripe.com", cast=base_url),
    # a state told to orders waits for the order's own changes (its stock given back, its emails owed)
    *client_settings("orders", read=3.0, deadline=5.0),
)


def check(settings: Mapping[str, Any]) -> None:
    """Raise `SettingsError` naming each setting that must change for the provider chosen to run."""
    provider, problems = settings["PAYMENTS_PROVIDER"], []
    if provider == "sandbox":
        if settings["ENV"] == "production" and not settings["PAYMENTS_SANDBOX_IN_PRODUCTION"]:
            problems.append("SHOP_PAYMENTS_PROVIDER=sandbox is refused with SHOP_ENV=production: the sandbox takes "
                            "any test card and never charges; choose stripe or none, or set "
                            "SHOP_PAYMENTS_SANDBOX_IN_PRODUCTION=true for a demo shop")
        if not settings["PAYMENTS_SANDBOX_WEBHOOK_SECRET"]:
            problems.append("SHOP_PAYMENTS_SANDBOX_WEBHOOK_SECRET is required with the sandbox (or its _FILE)")
    if provider == "stripe":
        for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
            if not settings[name]:
                problems.append(f"SHOP_{name} is required with SHOP_PAYMENTS_PROVIDER=stripe (or SHOP_{name}_FILE)")
        low, high = STRIPE_SESSION_MINUTES
        if not low <= settings["PAYMENTS_SESSION_MINUTES"] <= high:
            problems.append(f"SHOP_PAYMENTS_SESSION_MINUTES: Stripe takes {low:g} to {high:g} minutes, got "
                            f"{settings['PAYMENTS_SESSION_MINUTES']:g}")
    if problems:
        raise SettingsError("payments", problems)


def sandbox_webhook_url(settings: Mapping[str, Any]) -> str:
    return settings["PAYMENTS_SANDBOX_WEBHOOK_URL"] or f"{settings['SHOP_URL']}/api/payments/webhooks/sandbox/"
