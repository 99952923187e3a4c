"""Every service's migrations build exactly the schema its models declare: no drift for the next
`flask db migrate` to find, and no model relying on a table or index no migration makes."""

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

#: what each app needs to start (never called here)
SERVICES = {
    "users": lambda keys: {"JWT_PRIVATE_KEY": keys.private_pem},
    "products": lambda keys: {},
    "cart": lambda keys: {"PRODUCTS_URL": "http://127.0.0.1:9"},
    "orders": lambda keys: {"PRODUCTS_URL": "http://127.0.0.1:9", "CART_URL": "http://127.0.0.1:9",
                           "PAYMENTS_URL": "http://127.0.0.1:9"},
    "payments": lambda keys: {"ORDERS_URL": "http://127.0.0.1:9"},
}


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrations_make_what_the_models_declare(shop_app, jwt_keys, service):
    module = importlib.import_module(service)
    app = shop_app(module.create_app, **SERVICES[service](jwt_keys))  # a fresh database, migrated to head
    db = app.extensions["sqlalchemy"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = compare_metadata(context, db.metadata)
        if not connection.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")):
            # products' migration 0009 makes the fuzzy search's index only where pg_trgm is: the embedded
            # pgserver (used where no Postgres runs) has no contrib extensions
            drift = [d for d in drift if not (d[0] == "add_index" and d[1].name == "ix_products_names_trgm")]
        assert drift == []
