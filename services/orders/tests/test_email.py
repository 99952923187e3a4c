"""Emails end to end: the outboxes of users and orders, the relay and its recheck, a real RQ worker
(`shop-mailer worker`), a real SMTP sink, and the users and orders services over HTTP (the worker asks users for
each customer's address, and both whether they still owe a message, and reports to them what it sent). Redis is
the orders tests' own server, which a test may stop, or restart empty."""

from __future__ import annotations

import os
import threading

import pytest
from redis import Redis
from rq import Queue

from orders.models import db
from shop_common import mailqueue, outbox
from shop_common.testing import SERVICE_TOKEN, ServiceServer, empty, wait_until

pytest.importorskip("mailer")
from mailer.testing import Worker, start_sink


@pytest.fixture(scope="session")
def users_app(shop_app, jwt_keys, queue_redis):
    import users

    # on the orders' Redis: one mail queue for both producers, as in the shop
    return shop_app(users.create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, REDIS_URL=queue_redis.url,
                    MAIL_REHAND_SECONDS=1.0)


@pytest.fixture(scope="session")
def users_server(users_app):
    server = ServiceServer(users_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def orders_server(app):
    server = ServiceServer(app)
    yield server
    server.stop()


@pytest.fixture
def sink(tmp_path):
    sink = start_sink(tmp_path)
    yield sink
    sink.stop()


@pytest.fixture
def start_worker(queue_redis, users_server, orders_server, sink, tmp_path):
    """`start_worker()`: a `shop-mailer worker` sending to the sink; every one is stopped after the test."""
    started: list[Worker] = []

    def start() -> Worker:
        settings = {"ENV": "test", "REDIS_URL": queue_redis.url, "USERS_URL": users_server.url,
                    "ORDERS_URL": orders_server.url, "SERVICE_TOKEN": SERVICE_TOKEN, "SMTP_HOST": "127.0.0.1",
                    "SMTP_PORT": sink.port, "SMTP_SECURITY": "none", "SHOP_URL": "https://shop.example",
                    "LOG_FORMAT": "json", "VAR_DIR": str(tmp_path / "var")}
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
        started.append(Worker(["worker"], {**environ, **{f"SHOP_{k}": str(v) for k, v in settings.items()}},
                              tmp_path / f"worker-{len(started)}.log"))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def worker(start_worker):
    """A `shop-mailer worker` sending to the sink, stopped after the test."""
    return start_worker()


@pytest.fixture
def customer(users_app):
    """`customer(name, language="en")`: an account made through the users API (its emails in `language`); its
    id."""
    empty(users_app)

    def make(name: str, language: str = "en") -> int:
        response = users_app.test_client().post("/api/auth/register/", json={
            "username": name, "email": f"{name}@example.com", "password": "correct horse battery",
            "first_name": name.title(), "language": language})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    return make


def relay(app) -> int:
    """One round of the outbox relay, as the background thread runs it."""
    with app.app_context():
        handed = outbox.relay(app.extensions["sqlalchemy"])
        db.session.remove()
        return handed


def recheck(app) -> int:
    """One round of the outbox recheck, as the background thread runs it."""
    with app.app_context():
        given_back = outbox.recheck(app.extensions["sqlalchemy"])
        db.session.remove()
        return given_back


def unsent(app) -> int:
    with app.app_context():
        owed = outbox.unsent(app.extensions["sqlalchemy"])
        db.session.remove()
        return owed


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


def test_a_customer_who_reads_russian_gets_every_order_email_in_russian(app, users_app, shop, catalogue, customer,
                                                                       worker, sink, make_token):
    """The orders service owes its emails to the account, not in a language: the mailer writes them in the
    account's, its amounts and dates the Russian way, the product as the order names it."""
    ivan = customer("ivan", language="ru")
    assert relay(users_app) == 1
    product_id, (variant,) = catalogue.product("Silk tie", ("One size", "1045.00", 4))
    user = shop.user(ivan)
    shop.add(user, product_id, variant, 1)
    order = shop.order(user, key="ivan-1").get_json()
    staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    shop.orders.post(f"/api/order/{order['id']}/status/", headers=staff, json={"status": "shipped"})
    shop.add(user, product_id, variant, 1)
    second = shop.order(user, key="ivan-2").get_json()
    shop.orders.post(f"/api/order/{second['id']}/cancel/", headers=user)
    assert relay(app) == 4

    messages = mail(sink, 5)
    assert {m["Content-Language"] for m in messages} == {"ru"}
    subjects = sorted(m["Subject"] for m in messages[1:])
    assert subjects == sorted([f"Спасибо за заказ {order['number']}", f"Ваш заказ {order['number']} в пути",
                               f"Спасибо за заказ {second['number']}", f"Ваш заказ {second['number']} отменён"])
    for message in messages[1:]:
        text = message.get_body(("plain",)).get_content()
        assert text.startswith("Здравствуйте, Ivan!") and "1 \u00d7 Silk tie (One size): 1\u00a0045,00\u00a0$" in text
        assert '<html lang="ru">' in message.get_body(("html",)).get_content()


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


def test_redis_restarted_empty_after_the_relay_still_sends_each_email_once(app, users_app, shop, catalogue, customer,
                                                                           start_worker, sink, queue_redis):
    product_id, (variant,) = catalogue.product("Silk tie", ("One size", "45.00", 10))
    for name in ("ada", "bob", "cyd"):
        user = shop.user(customer(name))
        shop.add(user, product_id, variant, 1)
        assert shop.order(user, key=f"{name}-1").status_code == 201
    assert relay(users_app) == 3 and relay(app) == 3  # three welcomes, three confirmations on the queue
    queue_redis.stop()
    queue_redis.start()  # without persistence: the six jobs are gone
    worker = start_worker()
    given_back = []
    # each recheck notes the jobs gone; a second, a second later, hands the emails over again
    wait_until(lambda: given_back.append(recheck(app) + recheck(users_app)) or sum(given_back) == 6, timeout=20)
    assert relay(users_app) == 3 and relay(app) == 3
    messages = mail(sink, 6, timeout=30)
    assert len({m["Message-ID"] for m in messages}) == 6  # one of each
    wait_until(lambda: unsent(app) == 0 and unsent(users_app) == 0, timeout=20)  # all reported sent
    # nothing owed, nothing in flight, nothing on the queue: no other email can come
    assert recheck(app) == recheck(users_app) == relay(app) == relay(users_app) == 0
    wait_until(lambda: Queue(mailqueue.QUEUE, connection=Redis.from_url(queue_redis.url)).count == 0)
    assert len(sink.received()) == 6 and worker.process.poll() is None


def test_redis_restarted_empty_after_an_email_was_sent_sends_nothing_again(app, users_app, customer, worker, sink,
                                                                           queue_redis):
    customer("ada")
    assert relay(users_app) == 1
    mail(sink, 1)
    wait_until(lambda: unsent(users_app) == 0, timeout=20)  # reported sent
    queue_redis.stop()
    queue_redis.start()  # the job and the claim are gone; the users outbox knows it was sent
    assert recheck(users_app) == 0 and relay(users_app) == 0
    users_db = users_app.extensions["sqlalchemy"]
    with users_app.app_context():
        row = users_db.session.query(users_db.shop_outbox).one()
        assert row.outcome == "sent" and row.lost_at is None  # never counted lost: it is done
        message = row.message
        users_db.session.remove()
    # a stale copy of the job still runs (a replica that had it, say): it asks users, and sends nothing
    mailqueue.enqueue(Redis.from_url(queue_redis.url), message, (1, 1))
    wait_until(lambda: [e["outcome"] for e in worker.events(message["id"])][-1:] == ["duplicate"], timeout=30)
    assert len(sink.received()) == 1
