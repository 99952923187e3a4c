"""A process that dies between two saga steps: after the repair, stock, cart and orders agree again.

The death is a `BaseException` raised where a step ends, which no handler of the app catches, so
nothing after it runs, as when a worker is killed; the database transaction it was in rolls back.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from orders import checkout, clients
from orders.models import Checkout, Outbox, db
from products.models import Reservation
from products.models import db as products_db
from products.stock import expire_due
from shop_common.testing import assert_problem

STEPS = ["cart read", "stock reserved", "order stored", "cart emptied", "stock confirmed"]
#: a card order's: its payment is opened once its stock is reserved
CARD_STEPS = ["cart read", "stock reserved", "payment opened", "order stored", "cart emptied", "stock confirmed"]


class Died(BaseException):
    pass


@pytest.fixture
def die_after(monkeypatch):
    def arm(step: str) -> None:
        def after(done: str) -> None:
            if done == step:
                raise Died(step)

        monkeypatch.setattr(checkout, "after", after)

    return arm


@pytest.fixture
def coat(shop, catalogue):
    product_id, (variant,) = catalogue.product("Wool coat", ("M", "199.00", 5))
    alice = shop.user(7)
    shop.add(alice, product_id, variant, 2)
    return {"user": alice, "variant": variant}


def confirmations(app) -> int:
    with app.app_context():
        n = db.session.query(Outbox).filter(Outbox.message["template"].astext == "order_confirmation").count()
        db.session.remove()
        return n


def unfinished(app) -> int:
    with app.app_context():
        n = db.session.query(Checkout).filter(Checkout.state != "done").count()
        db.session.remove()
        return n


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_between_steps_is_repaired_into_agreement(app, shop, catalogue, coat, die_after, repair,
                                                          count_orders, step, monkeypatch):
    die_after(step)
    with pytest.raises(Died):
        shop.order(coat["user"], key="crashing")
    monkeypatch.setattr(checkout, "after", lambda done: None)

    repair()

    assert unfinished(app) == 0
    stored = STEPS.index(step) >= STEPS.index("order stored")
    if stored:  # the order stands: completed, stock taken once, cart emptied, one confirmation
        assert count_orders() == 1
        order = shop.orders.get("/api/order/list/", headers=coat["user"]).get_json()["results"][0]
        assert order["status"] == "confirmed"
        assert catalogue.stock("wool-coat") == {coat["variant"]: 3}
        assert shop.cart(coat["user"]) == []
        replay = shop.order(coat["user"], key="crashing")  # the client retries: the same order, nothing new
        assert replay.status_code == 201 and replay.get_json()["id"] == order["id"]
    else:  # undone: stock back, cart as it was, no order, and the key free for the retry
        assert count_orders() == 0
        assert catalogue.stock("wool-coat") == {coat["variant"]: 5}
        assert shop.cart(coat["user"]) == [(coat["variant"], 2)]
        assert shop.order(coat["user"], key="crashing").status_code == 201
        assert catalogue.stock("wool-coat") == {coat["variant"]: 3}
    assert confirmations(app) == 1
    assert repair() == {"undone": 0, "completed": 0, "stock_returned": 0, "payment_settled": 0,
                        "forgotten": 0}  # nothing left to do


@pytest.mark.parametrize("step", CARD_STEPS)
def test_a_crash_in_a_card_checkout_is_repaired_into_agreement(app, shop, catalogue, coat, die_after, repair,
                                                               count_orders, step, monkeypatch):
    die_after(step)
    with pytest.raises(Died):
        shop.order(coat["user"], key="crashing", payment_method="card")
    monkeypatch.setattr(checkout, "after", lambda done: None)

    repair()

    assert unfinished(app) == 0
    if CARD_STEPS.index(step) >= CARD_STEPS.index("order stored"):  # it stands, awaiting its payment
        order = shop.orders.get("/api/order/list/", headers=coat["user"]).get_json()["results"][0]
        assert (order["status"], order["payment"]["status"]) == ("awaiting_payment", "requires_action")
        assert order["payment"]["redirect_url"]
        assert catalogue.stock("wool-coat") == {coat["variant"]: 3}
        assert shop.cart(coat["user"]) == []
        replay = shop.order(coat["user"], key="crashing", payment_method="card")
        assert replay.status_code == 201 and replay.get_json()["payment"] == order["payment"]
    else:  # undone: nothing held; a session opened for it belongs to no order and nobody has its page
        assert count_orders() == 0
        assert catalogue.stock("wool-coat") == {coat["variant"]: 5}
        assert shop.cart(coat["user"]) == [(coat["variant"], 2)]
        again = shop.order(coat["user"], key="crashing", payment_method="card")
        assert again.status_code == 201 and again.get_json()["status"] == "awaiting_payment"
    assert confirmations(app) == 0  # not before it is paid
    assert repair()["payment_settled"] == 0


def test_a_repair_that_cannot_reach_products_tries_again_later(app, shop, catalogue, coat, die_after, repair,
                                                               products_server, monkeypatch):
    die_after("order stored")
    with pytest.raises(Died):
        shop.order(coat["user"])
    monkeypatch.setattr(checkout, "after", lambda done: None)
    products_server.stop()
    try:
        repair()
        assert unfinished(app) == 1
    finally:
        products_server.start()
    repair()
    assert unfinished(app) == 0
    assert catalogue.stock("wool-coat") == {coat["variant"]: 3}


def test_a_started_checkout_is_undone_only_once_stale(app, shop, coat, die_after, repair, catalogue):
    die_after("stock reserved")
    with pytest.raises(Died):
        shop.order(coat["user"])
    with app.app_context():
        assert checkout.repair() == {"undone": 0, "completed": 0, "stock_returned": 0, "payment_settled": 0,
                                     "forgotten": 0}
        db.session.remove()
    assert catalogue.stock("wool-coat") == {coat["variant"]: 3}  # still held: it may yet finish
    repair()
    assert catalogue.stock("wool-coat") == {coat["variant"]: 5}


def test_an_order_whose_reservation_expired_before_confirmation_is_cancelled_and_said_so(
        app, shop, catalogue, coat, die_after, repair, products_app, monkeypatch):
    die_after("order stored")
    with pytest.raises(Died):
        shop.order(coat["user"])
    monkeypatch.setattr(checkout, "after", lambda done: None)
    with products_app.app_context():  # products waited its reservation time out, and gave the stock back
        products_db.session.execute(update(Reservation).values(expires_at=Reservation.created_at))
        products_db.session.commit()
        assert expire_due() == 1
        products_db.session.remove()

    repair()

    order = shop.orders.get("/api/order/list/", headers=coat["user"]).get_json()["results"][0]
    assert order["status"] == "cancelled" and order["next_statuses"] == []
    assert [(change["status"], change["by"]) for change in order["history"]] == [("pending", "customer"),
                                                                                 ("cancelled", "system")]
    assert catalogue.stock("wool-coat") == {coat["variant"]: 5}
    with app.app_context():
        templates = [row.message["template"] for row in db.session.query(Outbox).order_by(Outbox.id)]
        db.session.remove()
    assert templates == ["order_confirmation", "order_cancelled"]


def test_a_cancel_whose_release_failed_gives_the_stock_back_on_repair(app, shop, catalogue, coat, repair,
                                                                      products_server):
    order = shop.order(coat["user"]).get_json()
    products_server.switch.mode = "failing"
    try:
        cancelled = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=coat["user"])
    finally:
        products_server.switch.mode = "normal"
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert catalogue.stock("wool-coat") == {coat["variant"]: 3}  # owed, not yet given

    assert repair()["stock_returned"] == 1
    assert catalogue.stock("wool-coat") == {coat["variant"]: 5}
    assert repair()["stock_returned"] == 0


def test_a_crash_as_the_answer_is_kept_leaves_a_key_that_answers_the_order_after_the_repair(
        app, shop, catalogue, coat, repair, count_orders, monkeypatch):
    keep = checkout._answer

    def dies(*args, **kwargs):
        raise Died("answer")

    monkeypatch.setattr(checkout, "_answer", dies)  # every step done; the process dies as it keeps the answer
    with pytest.raises(Died):
        shop.order(coat["user"], key="crashing")
    monkeypatch.setattr(checkout, "_answer", keep)

    repair()

    assert unfinished(app) == 0
    replay = shop.order(coat["user"], key="crashing")  # the client retries: its order, not 409 for two days
    assert replay.status_code == 201, replay.get_json()
    assert count_orders() == 1 and replay.get_json()["status"] == "confirmed"
    order = shop.orders.get(f"/api/order/{replay.get_json()['id']}/", headers=coat["user"]).get_json()
    assert replay.get_json() == order and len(order["history"]) == 2  # confirmed once, by the repair
    assert shop.order(coat["user"], key="crashing").data == replay.data  # kept from then on
    assert catalogue.stock("wool-coat") == {coat["variant"]: 3} and confirmations(app) == 1


def test_no_transaction_stays_open_while_products_or_cart_is_asked(app, shop, coat, die_after, repair, monkeypatch):
    """An open transaction across a call to another service keeps a connection of the pool (and what it has
    read or locked) for as long as that service takes: up to its deadline, and longer when it is down."""
    asked = []

    def watched(name, real):
        def call(*args, **kwargs):
            asked.append((name, db.session().in_transaction()))
            return real(*args, **kwargs)

        return call

    for name in ("cart_lines", "reserve", "remove_from_cart", "confirm", "release"):
        monkeypatch.setattr(clients, name, watched(name, getattr(clients, name)))

    die_after("stock reserved")
    with pytest.raises(Died):
        shop.order(coat["user"])
    repair()  # undoes it: releases its stock
    die_after("order stored")
    with pytest.raises(Died):
        shop.order(coat["user"])
    monkeypatch.setattr(checkout, "after", lambda done: None)
    repair()  # completes it
    order = shop.orders.get("/api/order/list/", headers=coat["user"]).get_json()["results"][0]
    for _ in range(2):
        assert shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=coat["user"]).status_code == 200

    assert {name for name, _ in asked} == {"cart_lines", "reserve", "remove_from_cart", "confirm", "release"}
    assert [name for name, in_transaction in asked if in_transaction] == []


def test_a_checkout_left_running_holds_off_another_until_it_is_repaired(app, shop, coat, die_after, repair,
                                                                        monkeypatch, catalogue):
    die_after("stock reserved")
    with pytest.raises(Died):
        shop.order(coat["user"], key="first")
    monkeypatch.setattr(checkout, "after", lambda done: None)
    assert_problem(shop.order(coat["user"], key="second"), 409, "checkout_in_progress")
    repair()
    assert shop.order(coat["user"], key="second").status_code == 201
    assert catalogue.stock("wool-coat") == {coat["variant"]: 3}


def test_staff_cannot_confirm_an_order_whose_stock_products_has_not_confirmed(shop, coat, die_after, make_token,
                                                                              monkeypatch, repair):
    die_after("order stored")
    with pytest.raises(Died):
        shop.order(coat["user"])
    monkeypatch.setattr(checkout, "after", lambda done: None)
    order = shop.orders.get("/api/order/list/", headers=coat["user"]).get_json()["results"][0]
    assert order["status"] == "pending" and order["next_statuses"] == ["cancelled"]
    assert order["history"] == [{"status": "pending", "at": order["created_at"], "by": "customer"}]
    staff = {"Authorization": f"Bearer {make_token(1, staff=True)}"}
    for status in ("confirmed", "shipped"):
        assert_problem(shop.orders.post(f"/api/order/{order['id']}/status/", headers=staff, json={"status": status}),
                       409, "invalid_status_move")
    repair()
    confirmed = shop.orders.get(f"/api/order/{order['id']}/", headers=staff).get_json()
    assert confirmed["status"] == "confirmed" and confirmed["history"] == [
        *order["history"], {"status": "confirmed", "at": confirmed["updated_at"], "by": "system"}]
