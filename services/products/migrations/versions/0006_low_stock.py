"""an index of variants by stock, for the staff's low-stock list (`GET /api/products/?stock_below=N`)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_variants_stock", "variants", ["stock", "product_id"])


def downgrade():
    op.drop_index("ix_variants_stock", table_name="variants")
