"""The cart service's own settings, next to the kit's common ones (`shop_common.config.COMMON`)."""

from shop_common.config import Setting, positive_float, positive_int
from shop_common.internal import SERVICE_TOKEN

SETTINGS = (
    SERVICE_TOKEN,
    Setting("PRODUCTS_URL", "base URL of the products service", required=True,
            dev_default=lambda s: "http://localhost:8001"),
    Setting("CURRENCY", "ISO 4217 code of every price in the shop", "USD"),
    Setting("PRODUCTS_CONNECT_TIMEOUT", "seconds to wait to connect to products", "0.3", cast=positive_float),
    Setting("PRODUCTS_READ_TIMEOUT", "seconds to wait for products' answer", "0.8", cast=positive_float),
    Setting("PRODUCTS_DEADLINE", "seconds a whole call to products may take, retries included", "1.5",
            cast=positive_float),
    Setting("PRODUCTS_RETRIES", "retries of a failed read from products", "1", cast=int),
    Setting("PRODUCTS_BREAKER_FAILURES", "failed calls in a row that open the circuit to products", "5",
            cast=positive_int),
    Setting("PRODUCTS_BREAKER_RESET", "seconds the circuit stays open before one trial call", "10",
            cast=positive_float),
)
