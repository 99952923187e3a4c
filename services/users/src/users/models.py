"""Accounts, the refresh tokens issued to them and what was revoked. Models never commit: `service.py` does."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Identity, Index, String, Text, Uuid, func, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from shop_common.db import make_db
from shop_common.outbox import outbox_model
from users.schemas import email_key

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

    __table_args__ = (
        # unique whatever the case: "Alice" and "alice" are one account (usernames are ASCII: lower() folds them)
        Index("uq_users_username_lower", func.lower(username), unique=True),
        Index("uq_users_email_key", email_key, unique=True),
        Index("ix_users_date_joined", date_joined, "id"),  # the staff's list, a page at a time
    )

    @property
    def email_verified(self) -> bool:
        """Whether the owner proved the email is theirs: never yet, as nothing verifies an email (issue 18
        will, keeping which address was verified: order emails go to it until a changed one is verified)."""
        return False

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


Outbox = outbox_model(db)
