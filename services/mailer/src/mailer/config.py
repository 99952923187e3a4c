"""The mailer's settings: the kit's common ones it uses, the service credential, and its own."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any

from shop_common import manifest
from shop_common.config import COMMON, Setting, load_settings, one_of, port, positive_float, positive_int
from shop_common.internal import SERVICE_TOKEN
from shop_common.mailqueue import JOB_TIMEOUT, QUEUE_SETTING

#: the mailer has no database and serves no HTTP: of the common settings it reads only these
USED_COMMON = tuple(s for s in COMMON if s.name in {"ENV", "REDIS_URL", "REDIS_TIMEOUT", "LOG_LEVEL", "LOG_FORMAT",
                                                     "VAR_DIR", "SHOP_URL"})


def _address(raw: str) -> str:
    if "@" not in parseaddr(raw)[1]:
        raise ValueError(f"expected an address like 'Shop <shop@example.com>', got {raw!r}")
    return raw


#: all that `shop-mailer alive` (the liveness probe) reads: it runs every few seconds and must start fast. Under
#: /tmp, the only folder the container may write to; one worker per container, so one file.
HEARTBEAT_FILE = Setting("WORKER_HEARTBEAT_FILE", "file a worker touches at each heartbeat and removes when it stops; "
                         "`shop-mailer alive` checks its age", "/tmp/shop-mailer-heartbeat")  # noqa: S108


# No SMTP setting has a dev_default: outside development the loader ignores `default` for those that do, and
# the local stack names its sink explicitly (SHOP_SMTP_PORT=1025 SHOP_SMTP_SECURITY=none).
SETTINGS: tuple[Setting, ...] = (
    SERVICE_TOKEN,
    QUEUE_SETTING,
    # every service that owes email (an outbox) is called: the mailer asks it whether a message is still owed, and
    # reports what became of it (`/internal/outbox/<key>/`); the users service also gives each user's address
    Setting("USERS_URL", "base URL of the users service (addresses of emails sent to a user id; it owes the welcome "
            "emails)", required=True, dev_default=lambda s: manifest.load().services["users"].local_url),
    Setting("ORDERS_URL", "base URL of the orders service (it owes the order emails)", required=True,
            dev_default=lambda s: manifest.load().services["orders"].local_url),
    Setting("SMTP_HOST", "SMTP server that sends the shop's email", "localhost"),
    Setting("SMTP_PORT", "its port", "587", cast=port),
    Setting("SMTP_SECURITY", "none, starttls (required) or tls (implicit, usually port 465); the server's certificate "
            "is checked against the system's CAs (or those in SSL_CERT_FILE)", "starttls",
            cast=one_of("none", "starttls", "tls")),
    Setting("SMTP_USERNAME", "SMTP login (empty: no AUTH)", ""),
    Setting("SMTP_PASSWORD", "SMTP password", secret=True),
    Setting("SMTP_TIMEOUT", "seconds to wait for the SMTP server at each step", "10", cast=positive_float),
    Setting("MAIL_FROM", "From of every email; its display name is the shop's name in the emails",
            "Shop <shop@localhost>", cast=_address),
    Setting("MAIL_CLAIM_SECONDS", "seconds a worker holds its claim on a message while it sends it; keep it longer "
            f"than a job may run ({JOB_TIMEOUT} s), or two workers may send one message",
            str(JOB_TIMEOUT + 30), cast=positive_int),
    Setting("WORKER_MAINTENANCE_SECONDS", "how often a worker cleans RQ's registries (retrying the jobs of a "
            "worker that died)", "60", cast=positive_int),
    Setting("WORKER_HEARTBEAT_SECONDS", "most seconds between two heartbeats of a worker, idle or sending; RQ "
            "retries the job of a worker that died this + 60 s after its last one", "30", cast=positive_int),
    HEARTBEAT_FILE,
)


def load(overrides: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """Read the mailer's settings from the environment; stops with a message naming what is missing."""
    return load_settings("mailer", [*USED_COMMON, *SETTINGS], overrides=overrides)
