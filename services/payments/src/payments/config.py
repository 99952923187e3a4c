"""The payments service's own settings, next to the kit's common ones (`shop_common.config.COMMON`)."""

from shop_common.config import Setting, as_bool, one_of
from shop_common.http import client_settings
from shop_common.internal import SERVICE_TOKEN

SETTINGS = (
    SERVICE_TOKEN,
    Setting("PAYMENTS_PROVIDER", "who takes card payments: stripe, sandbox (the shop's own test page: never a "
            "real charge) or none (cash on delivery only)", "none", cast=one_of("none", "sandbox", "stripe")),
    Setting("PAYMENTS_SANDBOX_IN_PRODUCTION", "let the sandbox run with SHOP_ENV=production (a demo shop)", "false",
            cast=as_bool),
    *client_settings("orders"),
)
