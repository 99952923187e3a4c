"""Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16,
                        type=Type.ID)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@cache
def _decoy() -> str:
    return HASHER.hash("decoy password that nobody has")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check `password`; with no account (`password_hash` None) spend the same time and say no,
    so response times do not tell which usernames exist."""
    try:
        return HASHER.verify(password_hash or _decoy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)
