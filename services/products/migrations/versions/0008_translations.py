"""the catalogue's own text in other languages: a translations column on categories and products

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("categories", "products"):
        op.add_column(table, sa.Column("translations", postgresql.JSONB(astext_type=sa.Text()),
                                       server_default=sa.text("'{}'::jsonb"), nullable=False))


def downgrade():
    for table in ("categories", "products"):
        op.drop_column(table, "translations")
