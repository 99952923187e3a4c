"""The users service's own settings, next to the kit's common ones (`shop_common.config.COMMON`)."""

from limits import parse

from shop_common import outbox
from shop_common.config import Setting, dev_keys, positive_int
from shop_common.internal import SERVICE_TOKEN

SETTINGS = (
    SERVICE_TOKEN,
    *outbox.SETTINGS,
    Setting("JWT_PRIVATE_KEY", "PEM private key that signs tokens; only the users service holds it",
            required=True, secret=True, dev_default=lambda s: dev_keys(s).private_pem),
    Setting("ACCESS_TOKEN_TTL", "seconds an access token lives", "900", cast=positive_int),
    Setting("REFRESH_TOKEN_TTL", "seconds a refresh token lives", str(7 * 24 * 3600), cast=positive_int),
    Setting("LOGIN_LIMIT_PER_ACCOUNT", "login attempts allowed per account (a success starts it afresh)",
            "5 per 15 minutes", cast=parse),
    Setting("LOGIN_LIMIT_PER_ADDRESS", "login attempts allowed per client address", "30 per 15 minutes",
            cast=parse),
    Setting("REGISTER_LIMIT_PER_ADDRESS", "registrations allowed per client address", "50 per hour",
            cast=parse),
)
