"""The products service's own settings, next to the kit's common ones (`shop_common.config.COMMON`)."""

from shop_common.config import Setting, positive_int
from shop_common.internal import SERVICE_TOKEN

SETTINGS = (
    SERVICE_TOKEN,
    Setting("CURRENCY", "ISO 4217 code of every price in the shop", "USD"),
    Setting("CACHE_TTL", "seconds a cached catalogue answer may be served", "60", cast=positive_int),
)
