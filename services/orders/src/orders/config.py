"""The orders service's own settings, next to the kit's common ones (`shop_common.config.COMMON`)."""

from shop_common import outbox
from shop_common.config import Setting, positive_float, positive_int
from shop_common.http import client_settings
from shop_common.internal import SERVICE_TOKEN

SETTINGS = (
    SERVICE_TOKEN,
    Setting("CURRENCY", "ISO 4217 code of every price in the shop", "USD"),
    # a reservation under contention waits for the rows ahead of it: more patience than the cart's reads
    *client_settings("products", read=3.0, deadline=5.0),
    *client_settings("cart", read=2.0, deadline=3.0),
    # opening a card payment waits for the provider's API (Stripe answers within a second or two)
    *client_settings("payments", read=8.0, deadline=10.0),
    Setting("RESERVATION_SECONDS", "how long products holds a checkout's stock before giving it back unasked",
            "900", cast=positive_int),
    Setting("CHECKOUT_STALE_SECONDS", "a checkout untouched this long was interrupted, and is repaired", "20",
            cast=positive_float),
    Setting("IDEMPOTENCY_WAIT_SECONDS", "how long a repeated request waits for the first to finish before 409",
            "5", cast=positive_float),
    Setting("IDEMPOTENCY_KEEP_HOURS", "hours an Idempotency-Key and its answer are kept", "48", cast=positive_int),
    *outbox.SETTINGS,
)
