"""`GET /api/order/all/`: the staff's list of every customer's orders, its filters, orderings and pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from orders.models import Order, db
from shop_common.testing import assert_problem

#: when each order of the board was placed
PLACED = {"a1": datetime(2026, 11, 1, 10, 0, tzinfo=UTC), "b1": datetime(2026, 11, 15, 0, 0, tzinfo=UTC),
          "a2": datetime(2026, 11, 15, 23, 30, tzinfo=UTC), "b2": datetime(2026, 12, 1, 12, 0, tzinfo=UTC)}


@pytest.fixture
def staff(make_token):
    return {"Authorization": f"Bearer {make_token(1, staff=True)}"}


@pytest.fixture
def board(app, shop, catalogue, staff):
    """Four orders of two customers, by name: `a1` alice's (user 7), 39.90, confirmed; `b1` bob's (user 8),
    41.00, cancelled by him; `a2` alice's, 79.80, shipped; `b2` bob's, 119.70, delivered; placed at PLACED."""
    product_id, (m, size_l) = catalogue.product("Linen shirt", ("M", "39.90", 10), ("L", "41.00", 5))
    alice, bob = shop.user(7), shop.user(8)
    made = {}
    for name, user, variant, quantity in (("a1", alice, m, 1), ("b1", bob, size_l, 1), ("a2", alice, m, 2),
                                          ("b2", bob, m, 3)):
        shop.add(user, product_id, variant, quantity)
        response = shop.order(user)
        assert response.status_code == 201, response.get_json()
        made[name] = response.get_json()

    def move(name, status):
        response = shop.orders.post(f"/api/order/{made[name]['id']}/status/", headers=staff, json={"status": status})
        assert response.status_code == 200, response.get_json()

    assert shop.orders.post(f"/api/order/{made['b1']['id']}/cancel/", headers=bob).status_code == 200
    move("a2", "shipped")
    move("b2", "shipped")
    move("b2", "delivered")
    with app.app_context():
        for name, at in PLACED.items():
            db.session.execute(update(Order).where(Order.id == made[name]["id"]).values(created_at=at))
        db.session.commit()
        db.session.remove()
    return made


@pytest.fixture
def listed(shop, staff, board):
    """`listed(**query)`: the names of the orders the staff's list answers, in its order (asserting a 200)."""
    names = {order["id"]: name for name, order in board.items()}

    def run(**query) -> list[str]:
        response = shop.orders.get("/api/order/all/", headers=staff, query_string=query)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        assert page["count"] == len(page["results"])  # every test here fits a page
        return [names[order["id"]] for order in page["results"]]

    return run


def test_staff_see_every_customers_orders_newest_first_as_the_detail_shows_each(shop, staff, board, listed):
    assert listed() == ["b2", "a2", "b1", "a1"]
    page = shop.orders.get("/api/order/all/", headers=staff).get_json()
    assert page["next"] is None and page["previous"] is None
    for order in page["results"]:
        assert order == shop.orders.get(f"/api/order/{order['id']}/", headers=staff).get_json()
    assert {order["user_id"] for order in page["results"]} == {7, 8}


@pytest.mark.parametrize(("query", "names"), [
    ({"status": "confirmed"}, ["a1"]),
    ({"status": "confirmed,shipped"}, ["a2", "a1"]),
    ({"status": ["confirmed", "cancelled"]}, ["b1", "a1"]),
    ({"status": ["delivered", "shipped,cancelled"]}, ["b2", "a2", "b1"]),
    ({"status": "pending"}, []),
    ({"user_id": "8"}, ["b2", "b1"]),
    ({"user_id": "9"}, []),
    # a date: from that day's start, up to that day's end (UTC)
    ({"created_after": "2026-11-15"}, ["b2", "a2", "b1"]),
    ({"created_before": "2026-11-15"}, ["a2", "b1", "a1"]),
    ({"created_after": "2026-11-15", "created_before": "2026-11-15"}, ["a2", "b1"]),
    ({"created_after": "2026-11-16", "created_before": "2026-11-30"}, []),
    # a moment: inclusive at both ends; without an offset, UTC
    ({"created_after": "2026-11-15T00:00:00Z", "created_before": "2026-11-15T23:30:00Z"}, ["a2", "b1"]),
    ({"created_after": "2026-11-15T00:00:00.000001Z"}, ["b2", "a2"]),
    ({"created_before": "2026-11-15T23:29:59.999Z"}, ["b1", "a1"]),
    ({"created_after": "2026-11-16T01:30+02:00"}, ["b2", "a2"]),  # 23:30 UTC
    ({"created_after": "2026-11-15T23:31"}, ["b2"]),
    # combined: an order must match every filter given
    ({"status": "confirmed,shipped", "user_id": "7"}, ["a2", "a1"]),
    ({"status": "confirmed,cancelled", "user_id": "8"}, ["b1"]),
    ({"user_id": "7", "created_after": "2026-11-02"}, ["a2"]),
    ({"status": "delivered,cancelled", "created_before": "2026-11-30"}, ["b1"]),
    ({"status": "shipped,delivered", "user_id": "8", "created_after": "2026-11-01",
      "created_before": "2026-12-01", "ordering": "total_price"}, ["b2"]),
])
def test_each_filter_and_their_combinations_select_the_orders_that_match_all(listed, query, names):
    assert listed(**query) == names


def test_a_number_is_found_as_a_customer_reads_it_out(board, listed):
    number = board["a2"]["number"]
    digits = number.replace("-", "")
    for form in (number, digits, f"{digits[:3]} {digits[3:6]} {digits[6:]}", f" {digits[:3]}-{digits[3:6]} "
                 f"{digits[6:]} ", "-".join(digits)):
        assert listed(number=form) == ["a2"], form
    assert listed(number=digits, status="shipped", user_id="7") == ["a2"]
    assert listed(number=digits, status="confirmed") == []  # its status is another
    assert listed(number=digits, user_id="8") == []  # another customer's
    assert listed(number=digits[:-1]) == []  # exact, never a prefix
    assert listed(number=f"{digits}0") == []


@pytest.mark.parametrize(("ordering", "names"), [
    (None, ["b2", "a2", "b1", "a1"]),
    ("-created_at", ["b2", "a2", "b1", "a1"]),
    ("created_at", ["a1", "b1", "a2", "b2"]),
    ("-total_price", ["b2", "a2", "b1", "a1"]),
    ("total_price", ["a1", "b1", "a2", "b2"]),
])
def test_the_orderings(listed, ordering, names):
    assert listed(**({"ordering": ordering} if ordering else {})) == names


def test_ties_keep_a_stable_order_from_page_to_page(app, shop, staff, board):
    with app.app_context():  # all placed at once: the newest id first
        db.session.execute(update(Order).values(created_at=PLACED["a1"]))
        db.session.commit()
        db.session.remove()
    ids = sorted((order["id"] for order in board.values()), reverse=True)
    pages = [shop.orders.get(f"/api/order/all/?page_size=1&page={n}", headers=staff).get_json() for n in (1, 2, 3, 4)]
    assert [page["results"][0]["id"] for page in pages] == ids
    oldest = shop.orders.get("/api/order/all/?ordering=created_at&page_size=4", headers=staff).get_json()
    assert [order["id"] for order in oldest["results"]] == ids[::-1]


def test_pages_link_to_their_neighbours_keeping_the_filters(shop, staff, board):
    first = shop.orders.get("/api/order/all/?page_size=2&ordering=total_price&status=confirmed&status=shipped,"
                            "cancelled", headers=staff).get_json()
    assert first["count"] == 3 and [o["id"] for o in first["results"]] == [board["a1"]["id"], board["b1"]["id"]]
    assert first["previous"] is None and "page=2" in first["next"]
    second = shop.orders.get(first["next"], headers=staff).get_json()  # the same filters, each value of each
    assert second["count"] == 3 and [o["id"] for o in second["results"]] == [board["a2"]["id"]]
    assert second["next"] is None and "page=1" in second["previous"]
    assert_problem(shop.orders.get("/api/order/all/?page_size=2&page=3", headers=staff), 404, "page_not_found")
    assert shop.orders.get("/api/order/all/?status=pending", headers=staff).get_json() == {
        "count": 0, "next": None, "previous": None, "results": []}


def test_only_staff_may_list_every_order(shop, board):
    assert_problem(shop.orders.get("/api/order/all/", headers=shop.user(7)), 403, "staff_only")
    assert_problem(shop.orders.get("/api/order/all/?status=lost", headers=shop.user(7)), 403, "staff_only")
    assert_problem(shop.orders.get("/api/order/all/"), 401)


@pytest.mark.parametrize(("query", "field"), [
    ("status=lost", "status"),
    ("status=confirmed,lost", "status"),
    ("status=confirmed&status=", "status"),
    ("status=", "status"),
    ("ordering=price", "ordering"),
    ("ordering=-id", "ordering"),
    ("number=abc", "number"),
    ("number=204-118-37x", "number"),
    ("number=---", "number"),
    ("number=", "number"),
    (f"number={'1' * 41}", "number"),
    ("number=%09204118377", "number"),
    ("user_id=0", "user_id"),
    ("user_id=alice", "user_id"),
    ("created_after=2026-13-01", "created_after"),
    ("created_after=yesterday", "created_after"),
    ("created_after=2026-11-15T25:00Z", "created_after"),
    ("created_after=2026-11-15+10:00", "created_after"),
    ("created_before=2026-02-30", "created_before"),
    ("created_before=15/11/2026", "created_before"),
    ("created_after=2026-11-16&created_before=2026-11-15", "created_after"),
    ("page_size=0", "page_size"),
    ("page_size=101", "page_size"),
    ("page=0", "page"),
    ("page=two", "page"),
])
def test_a_bad_value_is_422_naming_it(shop, staff, query, field):
    body = assert_problem(shop.orders.get(f"/api/order/all/?{query}", headers=staff), 422, "validation_error")
    assert list(body["errors"]["query"]) == [field]
