"""Access tokens minted with a local stack's development key, as the users service makes them.

The benchmark and the load generator need thousands of shoppers, and the gateway lets one address log in only
10 times a minute (the users service: 30 in 15 minutes): logging them in would measure the throttle. The cart
and orders services only verify a token's signature and claims, so a token for a made-up user id is a shopper
to them. (Emails about those shoppers' orders are dropped by the mailer: the users service does not know them.)
Only a local stack's key can do this: it lives in `<var>/keys/es256/private.pem`, never in a deployment.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt

ISSUER, AUDIENCE = "shop-users", "shop"


def private_key(path: str | Path) -> str:
    """The PEM private key in `path`: the file itself, or a stack's `keys` folder (or its var folder)."""
    path = Path(path)
    for candidate in (path, path / "es256" / "private.pem", path / "keys" / "es256" / "private.pem"):
        if candidate.is_file():
            return candidate.read_text()
    raise FileNotFoundError(f"no ES256 private key at {path} (a stack's is <var>/keys/es256/private.pem)")


def mint(key: str, user_id: int, *, staff: bool = False, lifetime: int = 3600) -> str:
    """An access token for `user_id`, valid for `lifetime` seconds."""
    now = int(time.time())
    claims = {"sub": str(user_id), "iat": now, "nbf": now, "exp": now + lifetime, "jti": str(uuid.uuid4()),
              "type": "access", "fresh": False, "fam": str(uuid.uuid4()), "staff": staff, "iss": ISSUER,
              "aud": AUDIENCE}
    return jwt.encode(claims, key, algorithm="ES256")
