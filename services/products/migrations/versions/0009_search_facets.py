"""typo-tolerant search, facets, sold-out products last and "from" prices

- `products.price_max`: the highest variant price beside `price` (the lowest), so a card can say "from";
- `products.facets`: the product's size and colour values as tags (`size:M`, `color:Navy`) from its variants,
  with a GIN index, so the list filters on them and the facets count them from the products' rows alone
  (never a join over the variants: 2.5 million of them at a million products);
- the newest-first indexes lead with `stock > 0` (descending), so the default ordering puts sold-out products
  after the buyable ones and still pages, counts and seeks on one index;
- `pg_trgm` and a trigram index over the names in every language, for the fuzzy search and its "did you mean".
  The embedded Postgres of the `pgserver` wheel (the fallback when no server runs) ships without the contrib
  extensions: there the extension and its index are left out and search stays exact (prefix) only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DESC = sa.literal_column
# as products.models.NAMES: the name and its translations' names (jsonpath: any language)
NAMES = "(name || ' ' || (jsonb_path_query_array(translations, '$.*.name'))::text)"
TAGS = """ARRAY(SELECT DISTINCT t FROM variants v,
                unnest(ARRAY['size:' || (v.attributes ->> 'size'), 'color:' || (v.attributes ->> 'color')]) AS t
                WHERE v.product_id = products.id AND t IS NOT NULL ORDER BY t)"""


def upgrade():
    op.add_column("products", sa.Column("price_max", sa.Numeric(12, 2), server_default="0", nullable=False))
    op.add_column("products", sa.Column("facets", sa.ARRAY(sa.Text()), server_default="{}", nullable=False))
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute(f"""
        UPDATE products SET price_max = coalesce((SELECT max(price) FROM variants v WHERE v.product_id = products.id),
                                                 price),
                            facets = {TAGS}""")  # noqa: S608 (this file's constants)
    op.create_index("ix_products_facets", "products", ["facets"], postgresql_using="gin")
    for name, lead in (("ix_products_newest", []), ("ix_products_category_newest", ["category_id"])):
        op.drop_index(name, table_name="products")
        op.create_index(name, "products", [*lead, DESC("(stock > 0) DESC"), DESC("created_at DESC"), DESC("id DESC")],
                        postgresql_include=["stock"])
    op.execute("""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
                CREATE EXTENSION IF NOT EXISTS pg_trgm;
            END IF;
        END $$""")
    op.execute(f"""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                CREATE INDEX ix_products_names_trgm ON products USING gin ({NAMES} gin_trgm_ops);
            END IF;
        END $$""")  # noqa: S608 (this file's constants)


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_products_names_trgm")
    for name, lead in (("ix_products_newest", []), ("ix_products_category_newest", ["category_id"])):
        op.drop_index(name, table_name="products")
        op.create_index(name, "products", [*lead, DESC("created_at DESC"), DESC("id DESC")],
                        postgresql_include=["stock"])
    op.drop_index("ix_products_facets", table_name="products")
    op.drop_column("products", "facets")
    op.drop_column("products", "price_max")
