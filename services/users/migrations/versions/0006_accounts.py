"""accounts keep their language, which email they verified, single-use tokens and an address book

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

- `users.language`: the language of the account's emails (`en`, `ru`).
- `users.verified_email`, `users.email_verified_at`: the last address its owner proved is theirs (a link
  followed) and when; the email is verified while it is that address. Order emails go to it while a changed
  email waits to be verified. Accounts made before this migration have verified nothing.
- `account_tokens`: the single-use tokens of password-reset and email-verification links, by the SHA-256
  digest of the token (the token itself is only in the email).
- `addresses`: an account's saved shipping addresses, at most one the default.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _moment(name, **kwargs):
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def upgrade():
    op.add_column("users", sa.Column("language", sa.String(length=2), server_default="en", nullable=False))
    op.create_check_constraint(op.f("ck_users_known_language"), "users", "language IN ('en', 'ru')")
    op.add_column("users", sa.Column("verified_email", sa.String(length=254), nullable=True))
    op.add_column("users", _moment("email_verified_at", nullable=True))

    op.create_table(
        "account_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        _moment("created_at", server_default=sa.func.now(), nullable=False),
        _moment("expires_at", nullable=False),
        _moment("used_at", nullable=True),
        sa.CheckConstraint("purpose IN ('password_reset', 'verify_email')", name=op.f("ck_account_tokens_known_purpose")),
    )
    op.create_index("uq_account_tokens_digest", "account_tokens", ["digest"], unique=True)
    op.create_index("ix_account_tokens_user_purpose", "account_tokens", ["user_id", "purpose"])
    op.create_index("ix_account_tokens_expires_at", "account_tokens", ["expires_at"])

    op.create_table(
        "addresses",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("full_name", sa.String(length=150), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("address_line", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=12), nullable=False),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default="false", nullable=False),
        _moment("created_at", server_default=sa.func.now(), nullable=False),
        _moment("updated_at", server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_addresses_user_id", "addresses", ["user_id"])
    op.create_index("uq_addresses_default", "addresses", ["user_id"], unique=True,
                    postgresql_where=sa.text("is_default"))


def downgrade():
    op.drop_table("addresses")
    op.drop_table("account_tokens")
    op.drop_column("users", "email_verified_at")
    op.drop_column("users", "verified_email")
    op.drop_constraint(op.f("ck_users_known_language"), "users", type_="check")
    op.drop_column("users", "language")
