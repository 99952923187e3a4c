"""stock reservations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def upgrade():
    op.create_table(
        "reservations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), server_default="", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("status IN ('held', 'confirmed', 'released', 'expired')",
                           name=op.f("ck_reservations_known_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint("key", name=op.f("uq_reservations_key")),
    )
    op.create_index("ix_reservations_held_until", "reservations", ["expires_at"],
                    postgresql_where=sa.text("status = 'held'"))
    op.create_table(
        "reservation_lines",
        sa.Column("reservation_id", sa.BigInteger(), nullable=False),
        sa.Column("variant_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservation_lines_quantity_positive")),
        sa.ForeignKeyConstraint(["reservation_id"], ["reservations.id"], ondelete="CASCADE",
                                name=op.f("fk_reservation_lines_reservation_id_reservations")),
        sa.ForeignKeyConstraint(["variant_id"], ["variants.id"], ondelete="CASCADE",
                                name=op.f("fk_reservation_lines_variant_id_variants")),
        sa.PrimaryKeyConstraint("reservation_id", "variant_id", name=op.f("pk_reservation_lines")),
    )
    op.create_index(op.f("ix_reservation_lines_variant_id"), "reservation_lines", ["variant_id"])


def downgrade():
    op.drop_table("reservation_lines")
    op.drop_table("reservations")
