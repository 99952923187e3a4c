"""`shop-products`: the service's command line (Flask's, plus the catalogue's data commands).

    shop-products db upgrade                     apply migrations
    shop-products seed-demo                      add the demo catalogue (idempotent)
    shop-products load-synthetic 1000000         add a million made-up products for benchmarks
    shop-products expire-reservations            give back the stock of reservations past their time
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Add the demo catalogue: 8 categories, 45 products. What is there already is left alone."""
        from products.demo.seed import seed_demo

        click.echo(str(seed_demo()))

    @app.cli.command("load-synthetic")
    @click.argument("count", type=click.IntRange(1, 100_000_000))
    @click.option("--batch", type=click.IntRange(100, 1_000_000), default=20_000, show_default=True,
                  help="Products per transaction.")
    # at most 8 jobs: each holds one of the service's pooled connections (SHOP_DB_POOL_SIZE, twice over)
    @click.option("--jobs", type=click.IntRange(1, 16), default=2, show_default=True,
                  help="Batches loaded at once, each on its own connection (about one per core).")
    @click.option("--up-to", is_flag=True, help="COUNT is the total wanted: add only what is missing.")
    def load_synthetic(count: int, batch: int, jobs: int, up_to: bool) -> None:
        """Add COUNT synthetic products (1 to 4 variants each) with COPY, then VACUUM ANALYZE."""
        from sqlalchemy import func, select

        from products.demo.synthetic import load_synthetic, store_pictures
        from products.models import Product, db

        if up_to:
            have = db.session.scalar(select(func.count()).select_from(Product))
            if have >= count:
                store_pictures()  # a catalogue loaded before pictures were stored gets them now
                click.echo(f"{have:,} products already; nothing to add")
                return
            count -= have

        def progress(loaded: int, seconds: float) -> None:
            click.echo(f"  {loaded:,} / {count:,} products ({seconds:.1f} s)")

        click.echo(str(load_synthetic(count, batch=batch, jobs=jobs, progress=progress)))

    @app.cli.command("expire-reservations")
    def expire_reservations() -> None:
        """Give back the stock of held reservations past their time (also done before every reservation)."""
        from products.stock import expire_due

        total = 0
        while expired := expire_due(limit=500):
            total += expired
        click.echo(f"{total} reservations expired")


def _create_app():
    from products import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help=__doc__)
