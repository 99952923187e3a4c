"""The internal stock API: availability, and reservations that never oversell under any concurrency."""

from datetime import UTC, datetime, timedelta

import pytest

from shop_common.testing import assert_problem, concurrently


@pytest.fixture
def shirt(category, product):
    """A shirt in two sizes: S (10 units at 40.00) and M (3 units at 35.00)."""
    category("Shirts")
    made = product("Linen shirt", variants=[
        {"sku": "LIN-S", "label": "S", "attributes": {"size": "S"}, "price": "40.00", "stock": 10},
        {"sku": "LIN-M", "label": "M", "attributes": {"size": "M"}, "price": "35.00", "stock": 3}])
    small, medium = (v["id"] for v in made["variants"])
    return {"product": made["id"], "S": small, "M": medium}


def variant_stock(client, shirt):
    body = client.get("/api/products/linen-shirt/").get_json()
    return {v["label"]: v["stock"] for v in body["variants"]} | {"total": body["stock"]}


def reserve(client, service, key, *lines, ttl=None):
    body = {"key": key, "lines": [{"variant_id": v, "quantity": q} for v, q in lines]}
    if ttl is not None:
        body["ttl_seconds"] = ttl
    return client.post("/internal/reservations/", json=body, headers=service)


def test_internal_calls_need_the_service_credential(client, shirt, staff):
    for headers in ({}, {"X-Service-Token": "wrong"}, staff):
        assert_problem(client.post("/internal/stock/", json={"variant_ids": [shirt["S"]]}, headers=headers), 401,
                       "invalid_service_token")
        assert_problem(client.post("/internal/reservations/", json={"key": "k", "lines": []}, headers=headers),
                       401, "invalid_service_token")


def test_availability_in_bulk_by_variant_and_by_product(client, service, shirt):
    body = client.post("/internal/stock/", json={"variant_ids": [shirt["M"], 999999]}, headers=service).get_json()
    assert body == {"variants": [{"id": shirt["M"], "product_id": shirt["product"], "slug": "linen-shirt",
                                  "name": "Linen shirt", "label": "M", "sku": "LIN-M", "attributes": {"size": "M"},
                                  "price": "35.00", "stock": 3, "in_stock": True, "image": None}]}
    by_product = client.post("/internal/stock/", json={"product_ids": [shirt["product"]]}, headers=service)
    assert [v["label"] for v in by_product.get_json()["variants"]] == ["S", "M"]
    assert_problem(client.post("/internal/stock/", json={"variant_ids": [2**63]}, headers=service), 422)
    assert_problem(client.post("/internal/stock/", json={"variant_ids": list(range(1, 202))}, headers=service), 422)


def test_a_reservation_takes_every_line_and_shows_at_once_in_the_catalogue(client, service, shirt):
    response = reserve(client, service, "order-1", (shirt["S"], 4), (shirt["M"], 3))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "held" and body["expires_at"]
    assert [(line["variant_id"], line["quantity"], line["unit_price"]) for line in body["lines"]] == [
        (shirt["S"], 4, "40.00"), (shirt["M"], 3, "35.00")]
    assert variant_stock(client, shirt) == {"S": 6, "M": 0, "total": 6}
    card = client.get("/api/products/").get_json()["results"][0]
    assert card["stock"] == 6


def test_a_reservation_short_of_stock_takes_nothing_and_says_what_is_left(client, service, shirt):
    response = reserve(client, service, "order-2", (shirt["S"], 2), (shirt["M"], 4))
    body = assert_problem(response, 409, "insufficient_stock")
    assert body["lines"] == [{"variant_id": shirt["M"], "requested": 4, "available": 3}]
    assert "only 3 left" in body["detail"]
    assert variant_stock(client, shirt) == {"S": 10, "M": 3, "total": 13}
    # the key was not used up by the refusal
    assert reserve(client, service, "order-2", (shirt["S"], 2)).status_code == 201


def test_reserving_again_with_one_key_reserves_once(client, service, shirt):
    first = reserve(client, service, "order-3", (shirt["S"], 2))
    again = reserve(client, service, "order-3", (shirt["S"], 2))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert variant_stock(client, shirt)["S"] == 8
    assert_problem(reserve(client, service, "order-3", (shirt["S"], 5)), 422, "idempotency_key_reused")


def test_unknown_variants_and_bad_lines_are_refused(client, service, shirt):
    body = assert_problem(reserve(client, service, "order-4", (shirt["S"], 1), (987654, 1)), 404,
                          "variant_not_found")
    assert body["variant_ids"] == [987654]
    for lines in ([(shirt["S"], 0)], [(shirt["S"], -1)], [(shirt["S"], 10**9)], [(2**63, 1)]):
        assert_problem(reserve(client, service, "order-5", *lines), 422)
    assert_problem(client.post("/internal/reservations/", json={"key": "../x", "lines": [
        {"variant_id": shirt["S"], "quantity": 1}]}, headers=service), 422)
    assert variant_stock(client, shirt) == {"S": 10, "M": 3, "total": 13}


def test_release_gives_the_stock_back_once(client, service, shirt):
    reserve(client, service, "order-6", (shirt["S"], 5))
    for _ in range(2):
        response = client.post("/internal/reservations/order-6/release/", headers=service)
        assert response.status_code == 200 and response.get_json()["status"] == "released"
    assert variant_stock(client, shirt)["S"] == 10
    assert_problem(reserve(client, service, "order-6", (shirt["S"], 5)), 409, "reservation_released")
    assert_problem(client.post("/internal/reservations/order-6/confirm/", headers=service), 409,
                   "reservation_released")


def test_a_release_before_its_reserve_arrives_makes_that_reserve_take_nothing(client, service, shirt):
    assert client.post("/internal/reservations/late/release/", headers=service).get_json()["status"] == "released"
    assert_problem(reserve(client, service, "late", (shirt["S"], 1)), 409, "reservation_released")
    assert variant_stock(client, shirt)["S"] == 10


def test_confirmed_reservations_keep_their_stock_until_released(client, service, shirt, app):
    reserve(client, service, "order-7", (shirt["M"], 2), ttl=10)
    confirmed = client.post("/internal/reservations/order-7/confirm/", headers=service).get_json()
    assert confirmed["status"] == "confirmed" and confirmed["expires_at"] is None
    assert client.post("/internal/reservations/order-7/confirm/", headers=service).status_code == 200
    _age_reservations(app, seconds=60)
    reserve(client, service, "trigger", (shirt["S"], 1))  # expiry runs before every reservation
    assert variant_stock(client, shirt)["M"] == 1
    client.post("/internal/reservations/order-7/release/", headers=service)  # an order cancelled
    assert variant_stock(client, shirt)["M"] == 3


def test_held_reservations_expire_and_give_their_stock_back(client, service, shirt, app):
    reserve(client, service, "abandoned", (shirt["S"], 7), ttl=10)
    assert variant_stock(client, shirt)["S"] == 3
    _age_reservations(app, seconds=11)
    reserve(client, service, "next", (shirt["M"], 1))
    assert variant_stock(client, shirt)["S"] == 10
    assert client.get("/internal/reservations/abandoned/", headers=service).get_json()["status"] == "expired"
    assert_problem(client.post("/internal/reservations/abandoned/confirm/", headers=service), 409,
                   "reservation_released")
    assert_problem(client.get("/internal/reservations/nothing/", headers=service), 404, "reservation_not_found")


def _age_reservations(app, seconds):
    from products.models import Reservation, db

    with app.app_context():
        for reservation in db.session.scalars(db.select(Reservation).where(Reservation.status == "held")):
            reservation.expires_at = datetime.now(UTC) - timedelta(seconds=seconds)
        db.session.commit()


def test_fifty_threads_for_the_last_ten_units_reserve_exactly_ten(app, client, service, category, product):
    category("Shirts")
    variant = product("Last shirts", variants=[{"sku": "LAST", "label": "One", "price": "9.99", "stock": 10}]
                      )["variants"][0]["id"]
    statuses = concurrently(50, lambda n: reserve(app.test_client(), service, f"thread-{n}", (variant, 1))
                            .status_code)
    assert sorted(set(statuses)) == [201, 409] and statuses.count(201) == 10 and statuses.count(409) == 40
    detail = client.get("/api/products/last-shirts/").get_json()
    assert detail["variants"][0]["stock"] == 0 and detail["stock"] == 0 and detail["in_stock"] is False


def test_many_threads_with_one_key_reserve_once(app, client, service, shirt):
    statuses = concurrently(20, lambda _: reserve(app.test_client(), service, "one-key", (shirt["S"], 3))
                            .status_code)
    assert statuses.count(201) == 1 and statuses.count(200) == 19
    assert variant_stock(client, shirt)["S"] == 7


def test_crossing_reservations_of_two_products_do_not_deadlock(app, client, service, category, product):
    category("Shirts")
    a = product("Shirt A", variants=[{"sku": "A1", "label": "1", "price": "1", "stock": 1000}])["variants"][0]["id"]
    b = product("Shirt B", variants=[{"sku": "B1", "label": "1", "price": "1", "stock": 1000}])["variants"][0]["id"]
    def buy(n):
        own = app.test_client()
        lines = [(a, 1), (b, 1)] if n % 2 else [(b, 1), (a, 1)]
        return [reserve(own, service, f"cross-{n}-{k}", *lines).status_code for k in range(5)]

    statuses = [status for statuses in concurrently(16, buy) for status in statuses]
    assert statuses == [201] * 80
    assert [v["stock"] for v in client.get("/api/products/shirt-a/").get_json()["variants"]] == [920]


def test_the_expire_command_gives_back_what_is_due(app, client, service, shirt):
    reserve(client, service, "late-1", (shirt["S"], 4), ttl=10)
    reserve(client, service, "late-2", (shirt["M"], 1), ttl=10)
    _age_reservations(app, seconds=30)
    result = app.test_cli_runner().invoke(args=["expire-reservations"])
    assert result.exit_code == 0 and "2 reservations expired" in result.output
    assert variant_stock(client, shirt) == {"S": 10, "M": 3, "total": 13}


@pytest.mark.parametrize("key", ["a" * 3000, "%FF", "bad key", "x/y"])
def test_reservation_keys_that_cannot_exist_are_404_and_never_stored(client, service, app, key):
    from products.models import Reservation, db

    for action in ("release/", "confirm/", ""):
        response = client.open(f"/internal/reservations/{key}/{action}", method="POST" if action else "GET",
                               headers=service)
        assert 400 <= response.status_code < 500
        assert_problem(response, response.status_code)
    with app.app_context():
        assert db.session.query(Reservation).count() == 0


def _waiting_on_locks(app) -> int:
    from products.models import db

    with app.app_context():
        n = db.session.scalar(db.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND wait_event_type = 'Lock'"))
        db.session.remove()
        return n


def test_a_release_that_meets_its_reserve_still_running_gives_the_stock_back(app, client, service, shirt):
    """Orders gives up on a slow reserve (its deadline passed) and releases the key while products is still
    taking the stock: the release waits for the reserve, and must then give back what it took."""
    import threading

    from products.models import db
    from shop_common.testing import wait_until

    answers = {}
    with app.app_context():
        db.session.execute(db.text("SELECT id FROM products WHERE id = :id FOR UPDATE"), {"id": shirt["product"]})
        # the reserve inserts its key, then waits for the product's lock held here
        reserving = threading.Thread(target=lambda: answers.update(
            reserve=reserve(app.test_client(), service, "slow", (shirt["S"], 4))))
        reserving.start()
        wait_until(lambda: _waiting_on_locks(app) == 1)
        releasing = threading.Thread(target=lambda: answers.update(
            release=app.test_client().post("/internal/reservations/slow/release/", headers=service)))
        releasing.start()
        wait_until(lambda: _waiting_on_locks(app) == 2)  # the release waits on the reserve's key
        db.session.rollback()
        db.session.remove()
    reserving.join(10)
    releasing.join(10)

    assert answers["reserve"].status_code == 201
    assert answers["release"].status_code == 200 and answers["release"].get_json()["status"] == "released"
    assert client.get("/internal/reservations/slow/", headers=service).get_json()["status"] == "released"
    assert variant_stock(client, shirt)["S"] == 10
