"""listing indexes that also carry stock, so filtered pages and counts need not visit the table

A page filtered on `in_stock` or on a price range, and its count, can then be answered from the index
alone (an index-only scan) instead of fetching every matching row to look at its stock.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DESC = sa.literal_column
INDEXES = {
    "ix_products_newest": [DESC("created_at DESC"), DESC("id DESC")],
    "ix_products_price": ["price", "id"],
    "ix_products_category_newest": ["category_id", DESC("created_at DESC"), DESC("id DESC")],
    "ix_products_category_price": ["category_id", "price", "id"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="products")
        op.create_index(name, "products", columns, postgresql_include=["stock"])


def downgrade():
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="products")
        op.create_index(name, "products", columns)
