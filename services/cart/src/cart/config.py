"""The cart service's own settings, next to the kit's common ones (`shop_common.config.COMMON`)."""

from shop_common.config import Setting
from shop_common.http import client_settings
from shop_common.internal import SERVICE_TOKEN

SETTINGS = (
    SERVICE_TOKEN,
    Setting("CURRENCY", "ISO 4217 code of every price in the shop", "USD"),
    *client_settings("products"),
)
