"""The gateway's tests run real nginx (installed by `gateway/nginx.py` when missing) in front of the five
real services, each its app on its own test database served over HTTP by the kit's `ServiceServer`,
with a SPA build made by the tests (an index.html and one hashed asset)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt
import pytest

import cart
import orders
import payments
import products
import users
from products.demo.seed import seed_demo

from .support import ASSET, INDEX_HTML, READ_TIMEOUT, Served, free_port, load_gateway


@pytest.fixture(scope="session")
def gateway_module():
    return load_gateway()


@pytest.fixture(scope="session")
def nginx_binary(gateway_module):
    """nginx, installed here when it is missing (as root with apt-get); else the test fails saying what to
    install."""
    return gateway_module.find_nginx()


@pytest.fixture(scope="session")
def gateway_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def public_url(gateway_port) -> str:
    """The shop's public URL as the services are told it (SHOP_URL): the gateway's."""
    return f"http://127.0.0.1:{gateway_port}"


@pytest.fixture(scope="session")
def services(shop_app, jwt_keys, public_url):
    """The five services, real apps on their own test databases, served over HTTP; products has the demo
    catalogue. They trust one proxy (the gateway) for X-Forwarded-For, and build links from `public_url`."""
    made: dict[str, Served] = {}
    edge = {"TRUSTED_PROXIES": 1, "SHOP_URL": public_url}
    products_app = shop_app(products.create_app, **edge)
    with products_app.app_context():
        seed_demo()
    made["products"] = Served(products_app)
    made["users"] = Served(shop_app(users.create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, **edge))
    products_url = f"http://{made['products'].address}"
    made["cart"] = Served(shop_app(cart.create_app, PRODUCTS_URL=products_url, **edge))
    # payments is routed here, and never calls orders back (no card is paid in these tests)
    made["payments"] = Served(shop_app(payments.create_app, PAYMENTS_PROVIDER="sandbox",
                                       PAYMENTS_SANDBOX_WEBHOOK_SECRET="whsec_test",
                                       ORDERS_URL="http://127.0.0.1:9", **edge))
    made["orders"] = Served(shop_app(orders.create_app, PRODUCTS_URL=products_url,
                                     CART_URL=f"http://{made['cart'].address}",
                                     PAYMENTS_URL=f"http://{made['payments'].address}", **edge))
    yield made
    for served in made.values():
        served.server.stop()


@pytest.fixture(scope="session")
def spa_dir(tmp_path_factory) -> Path:
    """A Vite build as the storefront's would be: index.html and a hashed asset (large enough to gzip)."""
    root = tmp_path_factory.mktemp("dist")
    (root / "assets").mkdir()
    (root / "index.html").write_text(INDEX_HTML)
    (root / ASSET.lstrip("/")).write_text("export const greeting = 'hello from the shop';\n" * 200)
    return root


@pytest.fixture(scope="session")
def gateway(gateway_module, nginx_binary, services, spa_dir, tmp_path_factory, gateway_port):
    """nginx in static mode in front of the five services; stopped at the end of the run."""
    gw = gateway_module.render(tmp_path_factory.mktemp("gateway"), port=gateway_port, spa_dir=spa_dir,
                               upstreams={name: served.address for name, served in services.items()},
                               read_timeout=READ_TIMEOUT)
    gw.start()
    yield gw
    gw.stop()


@pytest.fixture
def token(services, jwt_keys):
    """`token(user_id, staff=False)`: an access token as the users service makes them."""
    settings = services["cart"].app.config["SHOP"]

    def make(user_id: int, staff: bool = False) -> str:
        now = int(time.time())
        return jwt.encode({"sub": str(user_id), "iat": now, "nbf": now, "exp": now + 900, "jti": str(uuid.uuid4()),
                           "type": "access", "fresh": False, "fam": str(uuid.uuid4()), "staff": staff,
                           "iss": settings["JWT_ISSUER"], "aud": settings["JWT_AUDIENCE"]},
                          jwt_keys.private_pem, algorithm="ES256")

    return make
