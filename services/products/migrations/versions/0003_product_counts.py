"""product counts by category and stock state, kept by statement triggers

Counting a million products for every page is what makes a plain catalogue slow as it grows. These
counts, one row per (category, in stock or not), answer `count` for the list with no filter, a category,
`in_stock`, or both, from a handful of rows. Statement-level triggers with transition tables keep them
right for every INSERT (COPY included), UPDATE and DELETE, touching a count row only when a product
enters, leaves or changes group; they write in a fixed order, so concurrent writers never deadlock.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

def upgrade():
    op.execute("""
        CREATE TABLE product_counts (
            category_id bigint NOT NULL,
            in_stock boolean NOT NULL,
            n bigint NOT NULL,
            CONSTRAINT ck_product_counts_n_not_negative CHECK (n >= 0),
            CONSTRAINT fk_product_counts_category_id_categories FOREIGN KEY (category_id)
                REFERENCES categories (id) ON DELETE CASCADE,
            CONSTRAINT pk_product_counts PRIMARY KEY (category_id, in_stock)
        )""")
    # one row at a time, in (category, in_stock) order: a fixed lock order, and a count can go down
    # without an INSERT ever proposing a negative row to the CHECK
    op.execute("""
        CREATE FUNCTION product_counts_add(category bigint, stocked boolean, delta bigint) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            IF delta > 0 THEN
                INSERT INTO product_counts AS c (category_id, in_stock, n) VALUES (category, stocked, delta)
                ON CONFLICT (category_id, in_stock) DO UPDATE SET n = c.n + excluded.n;
            ELSE
                UPDATE product_counts SET n = n + delta WHERE category_id = category AND in_stock = stocked;
            END IF;
        END $$""")
    op.execute("""
        CREATE FUNCTION product_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            move record;
        BEGIN
            IF TG_OP = 'INSERT' THEN
                FOR move IN SELECT category_id, stock > 0 AS in_stock, count(*) AS n FROM new_rows
                            GROUP BY 1, 2 ORDER BY 1, 2 LOOP
                    PERFORM product_counts_add(move.category_id, move.in_stock, move.n);
                END LOOP;
            ELSIF TG_OP = 'DELETE' THEN
                FOR move IN SELECT category_id, stock > 0 AS in_stock, -count(*) AS n FROM old_rows
                            GROUP BY 1, 2 ORDER BY 1, 2 LOOP
                    PERFORM product_counts_add(move.category_id, move.in_stock, move.n);
                END LOOP;
            ELSE
                FOR move IN SELECT category_id, in_stock, sum(n) AS n FROM (
                                SELECT category_id, stock > 0 AS in_stock, 1 AS n FROM new_rows
                                UNION ALL
                                SELECT category_id, stock > 0, -1 FROM old_rows) AS moves
                            GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2 LOOP
                    PERFORM product_counts_add(move.category_id, move.in_stock, move.n);
                END LOOP;
            END IF;
            RETURN NULL;
        END $$""")
    for event, tables in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows"),
                          ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
        op.execute(f"""
            CREATE TRIGGER product_counts_{event.lower()} AFTER {event} ON products
            REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION product_counts_apply()""")
    op.execute("""
        INSERT INTO product_counts (category_id, in_stock, n)
        SELECT category_id, stock > 0, count(*) FROM products GROUP BY 1, 2""")


def downgrade():
    op.execute("DROP TABLE product_counts")
    op.execute("DROP FUNCTION product_counts_apply() CASCADE")
    op.execute("DROP FUNCTION product_counts_add(bigint, boolean, bigint)")
