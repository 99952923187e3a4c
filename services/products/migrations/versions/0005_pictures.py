"""the pictures the service draws, stored by name

Until now the images endpoint knew its pictures by importing the demo and synthetic data; the data
commands now store each picture they use here, and the endpoint serves what is stored. The demo's and the
synthetic catalogue's pictures are stored by this revision too, so a database seeded before it keeps them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    pictures = op.create_table(
        "pictures",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("stripes", sa.String(length=7), nullable=True),
        sa.Column("brand", sa.String(length=100), server_default="", nullable=False),
        sa.Column("caption", sa.String(length=100), server_default="", nullable=False),
        sa.Column("salt", sa.String(length=200), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pictures")),
    )
    # A catalogue seeded before this revision shows these pictures: they are stored now, so an upgrade serves
    # them at once instead of 404 until `seed-demo` runs again (which stores them too, skipping stored names).
    from products.demo.seed import demo_images
    from products.demo.synthetic import synthetic_images

    defaults = {"brand": "", "caption": "", "stripes": None, "salt": ""}
    op.bulk_insert(pictures, [{**defaults, **drawing, "name": name}
                              for name, drawing in {**demo_images(), **synthetic_images()}.items()])


def downgrade():
    op.drop_table("pictures")
