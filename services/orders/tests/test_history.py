"""An order's history (every status it had, when and by whom) and its `next_statuses`, through every change
of status there is; and the answer a checkout keeps, which is the order as it was answered."""

from __future__ import annotations

import pytest

from orders.models import STATUSES
from shop_common.testing import assert_problem


@pytest.fixture
def staff(make_token):
    return {"Authorization": f"Bearer {make_token(1, staff=True)}"}


@pytest.fixture
def place(shop, catalogue):
    """`place(key=None)`: alice's (user 7) order of one shirt, as the checkout answered it."""
    product_id, (variant,) = catalogue.product("Linen shirt", ("M", "39.90", 20))
    alice = shop.user(7)

    def run(key: str | None = None) -> dict:
        shop.add(alice, product_id, variant)
        response = shop.order(alice, key=key)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return run


def moves(order: dict) -> list[tuple[str, str]]:
    return [(change["status"], change["by"]) for change in order["history"]]


def test_a_new_order_has_its_creation_and_the_checkouts_confirmation(place):
    order = place()
    assert order["user_id"] == 7
    assert order["history"] == [{"status": "pending", "at": order["created_at"], "by": "customer"},
                                {"status": "confirmed", "at": order["updated_at"], "by": "system"}]
    assert order["next_statuses"] == ["shipped", "cancelled"]


def test_the_customers_cancel_is_theirs(shop, place):
    order = place()
    cancelled = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=shop.user(7)).get_json()
    again = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=shop.user(7)).get_json()
    assert moves(cancelled) == [("pending", "customer"), ("confirmed", "system"), ("cancelled", "customer")]
    assert cancelled["history"][:2] == order["history"]
    assert cancelled["history"][2]["at"] > order["updated_at"]
    assert again["history"] == cancelled["history"]  # cancelling again is no change
    assert cancelled["next_statuses"] == []


def test_each_staff_move_is_recorded_and_a_refused_or_idle_one_is_not(shop, place, staff):
    order = place()

    def move(status):
        return shop.orders.post(f"/api/order/{order['id']}/status/", headers=staff, json={"status": status})

    shipped = move("shipped").get_json()
    assert shipped["history"][-1] == {"status": "shipped", "at": shipped["updated_at"], "by": "staff"}
    assert move("shipped").get_json()["history"] == shipped["history"]  # its status as it is: no move
    assert_problem(move("confirmed"), 409, "invalid_status_move")
    assert_problem(move("cancelled"), 409, "not_cancellable")
    delivered = move("delivered").get_json()
    assert moves(delivered) == [("pending", "customer"), ("confirmed", "system"), ("shipped", "staff"),
                                ("delivered", "staff")]
    assert delivered["history"][-1]["at"] == delivered["updated_at"]
    assert shop.orders.get(f"/api/order/{order['id']}/", headers=staff).get_json() == delivered
    assert shop.orders.get(f"/api/order/{order['id']}/", headers=shop.user(7)).get_json() == delivered


@pytest.mark.parametrize("how", ["status", "cancel"])
def test_a_staff_cancel_is_the_staffs(shop, place, staff, how):
    order = place()
    if how == "status":
        response = shop.orders.post(f"/api/order/{order['id']}/status/", headers=staff, json={"status": "cancelled"})
    else:
        response = shop.orders.post(f"/api/order/{order['id']}/cancel/", headers=staff)
    assert moves(response.get_json())[-1] == ("cancelled", "staff")


@pytest.mark.parametrize(("path", "allowed"), [
    ((), ["shipped", "cancelled"]),
    (("shipped",), ["delivered"]),
    (("shipped", "delivered"), []),
    (("cancelled",), []),
])
def test_next_statuses_are_the_moves_staff_may_make_and_no_other(shop, place, staff, path, allowed):
    """(`pending`, which only the checkout leaves, is test_crashes'.)"""

    def move(order_id, status):
        return shop.orders.post(f"/api/order/{order_id}/status/", headers=staff, json={"status": status})

    def reach() -> dict:
        order = place()
        for status in path:
            order = move(order["id"], status).get_json()
        return order

    order = reach()
    assert order["next_statuses"] == allowed
    for status in set(STATUSES) - {order["status"], *allowed}:
        assert move(order["id"], status).status_code == 409, (order["status"], status)
    assert shop.orders.get(f"/api/order/{order['id']}/", headers=staff).get_json() == order
    for status in allowed:  # each on an order of its own
        moved = move(reach()["id"], status)
        assert moved.status_code == 200 and moved.get_json()["status"] == status


def test_a_replay_answers_the_order_as_first_answered_after_it_moved_on(shop, place, staff):
    alice = shop.user(7)
    order = place(key="k2")
    shipped = shop.orders.post(f"/api/order/{order['id']}/status/", headers=staff, json={"status": "shipped"})
    assert moves(shipped.get_json())[-1] == ("shipped", "staff")

    replay = shop.order(alice, key="k2")

    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == order  # its history and next moves as they were when it was placed
    assert shop.orders.get(f"/api/order/{order['id']}/", headers=alice).get_json() == shipped.get_json()
