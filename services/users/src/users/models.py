"""Accounts, the refresh tokens issued to them, what was revoked, the single-use tokens of emailed links and
the address book. Models never commit: `service.py` (and `addresses.py`) do."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from shop_common.db import make_db
from shop_common.outbox import outbox_model
from users.schemas import LANGUAGES, email_key

db = make_db()


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    email: Mapped[str] = mapped_column(String(254))
    #: the email as compared: NFKC, case-folded ("STRASSE@x" is "straße@x"); set with `email`
    email_key: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(150), server_default="")
    last_name: Mapped[str] = mapped_column(String(150), server_default="")
    phone: Mapped[str] = mapped_column(String(32), server_default="")
    is_staff: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    date_joined: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    #: set by each login (not by a refresh); None for an account that has not logged in since it was recorded
    last_login: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    #: the language of the account's emails: one of LANGUAGES
    language: Mapped[str] = mapped_column(String(2), server_default="en")
    #: the last address the owner proved is theirs (a verification or reset link followed), as it was then;
    #: None until one is. Order emails go to it while a changed `email` waits to be verified.
    verified_email: Mapped[str | None] = mapped_column(String(254))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(f"language IN {LANGUAGES}", name="known_language"),  # LANGUAGES: the schemas' too
        # unique whatever the case: "Alice" and "alice" are one account (usernames are ASCII: lower() folds them)
        Index("uq_users_username_lower", func.lower(username), unique=True),
        Index("uq_users_email_key", email_key, unique=True),
        Index("ix_users_date_joined", date_joined, "id"),  # the staff's list, a page at a time
    )

    @property
    def email_verified(self) -> bool:
        """Whether the owner proved the current email is theirs."""
        return self.verified_email is not None and email_key(self.verified_email) == self.email_key

    @property
    def notify_email(self) -> str:
        """Where the account's emails go: the email, unless it changed and waits to be verified while an
        earlier one was; then that one (a stranger's address typed in never gets the orders' emails)."""
        if self.verified_email is not None and not self.email_verified:
            return self.verified_email
        return self.email

    @validates("email")
    def _keep_key(self, _name: str, value: str) -> str:
        self.email_key = email_key(value)
        return value


class RefreshToken(db.Model):
    """One issued refresh token. Tokens of one login share a `family`; each refresh rotates to a new row.

    `used_at` is set when the token is exchanged, `replaced_by` names the token it was exchanged for;
    presenting it again is reuse, which revokes the family, unless it comes within the grace of the
    exchange while the new token is unused: then `grace_answer` (the new pair, encrypted with a key derived
    from the old refresh token, cleared by the housekeeping once the grace is over) is the answer again.
    """

    __tablename__ = "refresh_tokens"

    jti: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    family: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replaced_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    grace_answer: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_refresh_tokens_grace", used_at, postgresql_where=text("grace_answer IS NOT NULL")),
    )


class Revocation(db.Model):
    """An access token (`kind` "jti") or a session (`kind` "family") refused until `until`: the record
    Redis' copy is restored from when Redis loses it. Pruned once `until` has passed."""

    __tablename__ = "revocations"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


#: what a token of `AccountToken` is for
PASSWORD_RESET, VERIFY_EMAIL = "password_reset", "verify_email"


class AccountToken(db.Model):
    """The single-use token of an emailed link: a password reset or an email verification.

    Only the SHA-256 `digest` of the token is kept (the token is in the email alone). `email` is the address
    the link was sent to, as it was: a verification proves that address; either token is refused once the
    account's email is another. Spending one (`used_at`) spends every unspent token of its account and
    purpose. Pruned by the housekeeping a day after it expired.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(f"purpose IN ('{PASSWORD_RESET}', '{VERIFY_EMAIL}')", name="known_purpose"),
        Index("uq_account_tokens_digest", digest, unique=True),
        Index("ix_account_tokens_user_purpose", user_id, purpose),
        Index("ix_account_tokens_expires_at", expires_at),
    )


class Address(db.Model):
    """A saved shipping address of an account: the fields of an order's `shipping`. At most one per account
    is the default (a partial unique index)."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(150))
    phone: Mapped[str] = mapped_column(String(32))
    address_line: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(12))
    country: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        Index("uq_addresses_default", user_id, unique=True, postgresql_where=text("is_default")),
    )


Outbox = outbox_model(db)
