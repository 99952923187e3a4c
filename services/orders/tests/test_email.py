"""Emails end to end: the outboxes of users and orders, the relay, a real RQ worker (`shop-mailer worker`), a
real SMTP sink, and the users service the worker asks for each customer's address."""

from __future__ import annotations

import os
import threading

import pytest

from orders.models import db
from shop_common import outbox
from shop_common.testing import SERVICE_TOKEN, ServiceServer, empty, wait_until

pytest.importorskip("mailer")
from mailer.testing import Worker, start_sink


@pytest.fixture(scope="session")
def users_app(shop_app, jwt_keys, queue_redis):
    import users

    # on the orders' Redis: one mail queue for both producers, as in the shop
    return shop_app(users.create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, REDIS_URL=queue_redis.url)


@pytest.fixture(scope="session")
def users_server(users_app):
    server = ServiceServer(users_app)
    yield server
    server.stop()


@pytest.fixture
def sink(tmp_path):
    sink = start_sink(tmp_path)
    yield sink
    sink.stop()


@pytest.fixture
def worker(queue_redis, users_server, sink, tmp_path):
    """A `shop-mailer worker` sending to the sink, stopped after the test."""
    settings = {"ENV": "test", "REDIS_URL": queue_redis.url, "USERS_URL": users_server.url,
                "SERVICE_TOKEN": SERVICE_TOKEN, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": sink.port,
                "SMTP_SECURITY": "none", "SHOP_URL": "https://shop.example", "LOG_FORMAT": "json",
                "VAR_DIR": str(tmp_path / "var")}
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    started = Worker(["worker"], {**environ, **{f"SHOP_{k}": str(v) for k, v in settings.items()}},
                     tmp_path / "worker.log")
    yield started
    started.stop()


@pytest.fixture
def customer(users_app):
    """`customer(name)`: an account made through the users API; its id."""
    empty(users_app)

    def make(name: str) -> int:
        response = users_app.test_client().post("/api/auth/register/", json={
            "username": name, "email": f"{name}@example.com", "password": "correct horse battery",
            "first_name": name.title()})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    return make


def relay(app) -> int:
    """One round of the outbox relay, as the background thread runs it."""
    with app.app_context():
        handed = outbox.relay(app.extensions["sqlalchemy"])
        db.session.remove()
        return handed


def mail(sink, count: int, timeout: float = 20) -> list:
    messages = wait_until(lambda: len(got := sink.received()) >= count and got, timeout)
    assert len(messages) == count, [m["Subject"] for m in messages]
    return messages


def test_each_email_of_a_customers_story_arrives_once(app, users_app, shop, catalogue, customer, worker, sink,
                                                      make_token):
    ada = customer("ada")
    assert relay(users_app) == 1
    [welcome] = mail(sink, 1)
    assert welcome["To"] == "Ada <ada@example.com>" and "Welcome" in welcome["Subject"]

    product_id, (variant,) = catalogue.product("Silk tie", ("One size", "45.00", 4))
    user = shop.user(ada)
    shop.add(user, product_id, variant, 1)
    order = shop.order(user, key="ada-1").get_json()
    staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    shop.orders.post(f"/api/order/{order['id']}/status/", headers=staff, json={"status": "shipped"})
    shop.add(user, product_id, variant, 1)
    second = shop.order(user, key="ada-2").get_json()
    shop.orders.post(f"/api/order/{second['id']}/cancel/", headers=user)
    assert relay(app) == 4  # two confirmations, one shipped, one cancelled
    assert relay(app) == 0

    messages = mail(sink, 5)
    assert all(m["To"] == "Ada <ada@example.com>" for m in messages)
    bodies = {m["Subject"]: m.get_body(("plain",)).get_content() for m in messages[1:]}
    assert any(order["number"] in subject for subject in bodies)
    assert all(order["number"] in body or second["number"] in body for body in bodies.values())
    html = messages[1].get_body(("html",)).get_content()
    assert f"https://shop.example/orders/{order['id']}" in html and "Silk tie" in html


def test_redis_stopped_during_a_checkout_still_sends_exactly_one_confirmation(app, shop, catalogue, customer,
                                                                             worker, sink, queue_redis):
    ada = customer("ada")
    product_id, (variant,) = catalogue.product("Silk tie", ("One size", "45.00", 4))
    user = shop.user(ada)
    shop.add(user, product_id, variant, 2)
    keeper = app.extensions["shop_housekeeping"]
    stop = threading.Event()
    thread = threading.Thread(target=keeper.loop, args=(stop,), daemon=True)  # the service's background thread
    queue_redis.stop()
    try:
        thread.start()
        response = shop.order(user, key="while-redis-is-down")
        assert response.status_code == 201, response.get_json()  # checkout does not need Redis
        with app.app_context():
            wait_until(lambda: outbox.waiting(db) == 1 and db.session.query(app.extensions["sqlalchemy"]
                                                                              .shop_outbox).one().attempts > 0)
            db.session.remove()
        assert sink.received() == []
    finally:
        queue_redis.start()
    try:
        [confirmation] = mail(sink, 1, timeout=30)  # relayed by the thread's next round, sent by the worker
        assert response.get_json()["number"] in confirmation["Subject"]
        assert relay(app) == 0
    finally:
        stop.set()
        thread.join(10)
    assert len(sink.received()) == 1
