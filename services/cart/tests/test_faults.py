"""When products is stopped, slow or failing: adds and updates answer 503 (within the cart's 2 s deadline:
long before a slow products would answer) and change nothing, the view still answers from what was stored,
and the breaker opens and recovers."""

import time

import pytest

import products
from cart import create_app
from shop_common.testing import ServiceServer, assert_database_unavailable, assert_problem, wait_until

#: how long a slow products takes to answer; an answer in half that time did not wait for it, however busy
#: the machine is (a bound on the machine's speed would be a bet, not a check)
SLOW = 10.0


@pytest.fixture
def filled(client, shopper, catalogue):
    """A cart with 2 of 'Linen shirt / S' (40.00), bought while products was well."""
    product_id, (small,) = catalogue.product("Linen shirt", ("S", "40.00", 5))
    response = client.post("/api/cart/add/", json={"product_id": product_id, "quantity": 2}, headers=shopper)
    return {"product": product_id, "S": small, "line": response.get_json()["items"][0]["id"]}


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def changes(client, shopper, filled):
    return [
        lambda: client.post("/api/cart/add/", json={"product_id": filled["product"]}, headers=shopper),
        lambda: client.patch(f"/api/cart/update/{filled['line']}/", json={"quantity": 3}, headers=shopper),
    ]


@pytest.mark.parametrize("fault", ["stopped", "slow", "failing"])
def test_changes_answer_503_within_two_seconds_and_change_nothing(client, shopper, filled, products_server, fault):
    if fault == "stopped":
        products_server.stop()
    else:
        products_server.switch.mode, products_server.switch.delay = fault, SLOW
    try:
        for change in changes(client, shopper, filled):
            response, took = timed(change)
            body = assert_problem(response, 503, "products_unavailable")
            assert took < SLOW / 2, (fault, took)
            assert "Retry-After" in response.headers and body["request_id"]
        view = client.get("/api/cart/", headers=shopper).get_json()
        assert view["stale"] is True
        assert [(i["name"], i["label"], i["unit_price"], i["quantity"]) for i in view["items"]] == [
            ("Linen shirt", "S", "40.00", 2)]
    finally:
        if fault == "stopped":
            products_server.start()


def test_the_breaker_opens_answers_at_once_and_recovers(app, client, shopper, filled, products_server):
    products_server.switch.mode = "failing"
    add = changes(client, shopper, filled)[0]
    for _ in range(3):  # PRODUCTS_BREAKER_FAILURES in the test settings
        assert_problem(add(), 503, "products_unavailable")
    products_server.switch.mode, products_server.switch.delay = "slow", SLOW  # an open breaker does not even ask
    response, took = timed(add)
    assert_problem(response, 503, "products_unavailable")
    assert took < SLOW / 2 and "circuit open" in response.get_json()["detail"]
    products_server.switch.mode = "normal"
    wait_until(lambda: add().status_code == 200, timeout=5)  # after PRODUCTS_BREAKER_RESET (1 s)
    assert client.get("/api/cart/", headers=shopper).get_json()["items"][0]["quantity"] == 3


def test_the_request_id_goes_along_to_products(client, shopper, filled, products_app, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="shop.access"):
        client.get("/api/cart/", headers={**shopper, "X-Request-ID": "follow-me-1"})
    seen = [r for r in caplog.records if r.name == "shop.access" and getattr(r, "path", "") == "/internal/stock/"]
    # (another test's slow call may finish and be logged meanwhile, under its own id: this one's is there)
    assert any(r.request_id == "follow-me-1" for r in seen)


def test_with_the_carts_database_down_every_call_is_a_503_with_retry_after(app_without_database, products_server,
                                                                           shopper, catalogue):
    product_id, _ = catalogue.product("Linen shirt", ("S", "40.00", 5))
    down = app_without_database(create_app, PRODUCTS_URL=products_server.url).test_client()
    for method, path, body in (("GET", "/api/cart/", None), ("POST", "/api/cart/add/", {"product_id": product_id}),
                               ("PATCH", "/api/cart/update/1/", {"quantity": 2}),
                               ("DELETE", "/api/cart/delete/1/", None), ("POST", "/api/cart/clear/", None)):
        assert_database_unavailable(down.open(path, method=method, json=body, headers=shopper))


def test_with_only_the_products_database_down_an_add_is_products_unavailable_and_says_why(
        client, shopper, filled, app_without_database):
    products_down = ServiceServer(app_without_database(products.create_app))
    try:
        client.application.extensions["cart_products"].base_url = products_down.url
        response = client.post("/api/cart/add/", json={"product_id": filled["product"]}, headers=shopper)
    finally:
        client.application.extensions["cart_products"].base_url = client.application.config["SHOP"]["PRODUCTS_URL"]
        products_down.stop()
    body = assert_problem(response, 503, "products_unavailable")  # the contract's code, the SPA branches on it
    assert "database_unavailable" in body["detail"], body
    assert response.headers["Retry-After"].isdigit()
    view = client.get("/api/cart/", headers=shopper).get_json()
    assert [(i["product_id"], i["quantity"]) for i in view["items"]] == [(filled["product"], 2)]


def test_an_add_whose_answer_failed_after_it_was_made_is_sent_again_with_its_key_and_adds_once(
        client, shopper, filled, monkeypatch):
    """The database failing between the add's commit and its answer (as when Postgres stops) is a 503 for an
    add that was made: the client's retry with the same Idempotency-Key answers it and adds nothing more."""
    from cart import service
    from shop_common.db import DatabaseUnavailable

    shown = service.view
    failures = iter([DatabaseUnavailable()])

    def view_failing_once(user_id):
        if (failure := next(failures, None)) is not None:
            raise failure
        return shown(user_id)

    monkeypatch.setattr(service, "view", view_failing_once)
    keyed = {**shopper, "Idempotency-Key": "lost-answer"}
    send = lambda: client.post("/api/cart/add/", json={"product_id": filled["product"]}, headers=keyed)  # noqa: E731

    assert_database_unavailable(send())
    again = send()

    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert [line["quantity"] for line in again.get_json()["items"]] == [3]  # 2 before, and this add once
