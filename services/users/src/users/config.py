"""The users service's own settings, next to the kit's common ones (`shop_common.config.COMMON`)."""

from limits import parse, parse_many

from shop_common import outbox
from shop_common.config import Setting, dev_keys, positive_float, positive_int
from shop_common.internal import SERVICE_TOKEN


def non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(f"expected 0 or a positive whole number, got {raw!r}")
    return value


SETTINGS = (
    SERVICE_TOKEN,
    *outbox.SETTINGS,
    Setting("JWT_PRIVATE_KEY", "PEM private key that signs tokens; only the users service holds it",
            required=True, secret=True, dev_default=lambda s: dev_keys(s).private_pem),
    Setting("ACCESS_TOKEN_TTL", "seconds an access token lives", "900", cast=positive_int),
    Setting("REFRESH_TOKEN_TTL", "seconds a refresh token lives", str(7 * 24 * 3600), cast=positive_int),
    Setting("REFRESH_REUSE_GRACE", "seconds a spent refresh token still gets the same new pair (concurrent "
            "refreshes), while that pair is unused; 0: never", "5", cast=non_negative_int),
    Setting("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "login attempts allowed per account from one client address, "
            "in widening windows (a success from there starts them afresh)", "5 per minute; 20 per hour",
            cast=parse_many),
    Setting("LOGIN_LIMIT_PER_ACCOUNT", "login attempts allowed per account from all addresses together "
            "(a short window: strangers cannot hold the owner off for long)", "30 per minute",
            cast=parse_many),
    Setting("LOGIN_LIMIT_PER_ADDRESS", "login attempts allowed per client address", "30 per 15 minutes",
            cast=parse),
    Setting("REGISTER_LIMIT_PER_ADDRESS", "registrations allowed per client address", "50 per hour",
            cast=parse),
    Setting("PASSWORD_RESET_TTL", "seconds a password-reset link works", "1800", cast=positive_int),
    Setting("VERIFY_EMAIL_TTL", "seconds an email-verification link works", str(24 * 3600), cast=positive_int),
    Setting("PASSWORD_RESET_LIMIT_PER_ADDRESS", "password-reset requests allowed per client address (429 past "
            "it)", "10 per 15 minutes", cast=parse),
    Setting("PASSWORD_RESET_LIMIT_PER_ACCOUNT", "password-reset emails sent per email address, however many "
            "are asked for (the answer stays 202: it never tells whether the address has an account)",
            "3 per hour", cast=parse),
    Setting("PASSWORD_RESET_ANSWER_SECONDS", "the least time a password-reset request takes to answer, "
            "account or not, so its timing does not tell either", "0.25", cast=positive_float),
    Setting("VERIFY_RESEND_LIMIT_PER_ACCOUNT", "verification emails an account may ask to be sent again",
            "1 per minute; 5 per day", cast=parse_many),
    Setting("MAX_ADDRESSES", "saved addresses an account may have", "20", cast=positive_int),
)
