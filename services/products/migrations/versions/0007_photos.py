"""uploaded product photos and their WebP renditions; the product's cover for its card

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("products", sa.Column("cover", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_table(
        "photos",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_photos_product_id_products"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    op.create_index("ix_photos_product_position", "photos", ["product_id", "position"])
    op.create_table(
        "photo_files",
        sa.Column("photo_id", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"], name=op.f("fk_photo_files_photo_id_photos"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("photo_id", "size", name=op.f("pk_photo_files")),
    )
    op.create_index(op.f("ix_photo_files_name"), "photo_files", ["name"])


def downgrade():
    op.drop_table("photo_files")
    op.drop_table("photos")
    op.drop_column("products", "cover")

