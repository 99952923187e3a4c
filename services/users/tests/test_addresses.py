"""The address book: the caller's saved addresses, exactly one of them the default while there are any; the
fields and refusals of an order's shipping; another account's addresses are not there (404)."""

from types import MappingProxyType

import pytest
from sqlalchemy import select

from shop_common.schemas import SHIPPING_EXAMPLE, ShippingSchema
from shop_common.testing import assert_problem, concurrently
from users.models import Address, db

URL = "/api/users/addresses/"
HOME = SHIPPING_EXAMPLE
WORK = {"full_name": "Ada King", "phone": "+44 20 7000 0000", "address_line": "1 Horse Guards Road",
        "city": "London", "postal_code": "SW1A 2HQ", "country": "United Kingdom"}
COTTAGE = {"full_name": "Ada Lovelace", "phone": "01483 (22) 5000", "address_line": "Ockham Park",
           "city": "Ockham", "postal_code": "GU23 6NX", "country": "UK"}


@pytest.fixture
def save(client, auth):
    """`save(fields, **extra)`: a new address of alice's, asserted 201; its body."""

    def make(fields=HOME, headers=None, **extra):
        response = client.post(URL, json={**fields, **extra}, headers=headers or auth)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def bob(register, login):
    """Another account, `bob`: the `Authorization` header of a fresh login."""
    register("bob")
    return {"Authorization": f"Bearer {login('bob')['access']}"}


@pytest.fixture
def rows(app):
    """`rows()`: every stored address as (id, user_id, city, is_default), by id."""

    def read():
        with app.app_context():
            found = db.session.execute(select(Address.id, Address.user_id, Address.city, Address.is_default)
                                       .order_by(Address.id)).all()
            db.session.remove()
            return [tuple(row) for row in found]

    return read


def listed(client, headers) -> list[dict]:
    response = client.get(URL, headers=headers)
    assert response.status_code == 200
    return response.get_json()


def defaults(client, headers) -> list[str]:
    return [a["city"] for a in listed(client, headers) if a["is_default"]]


def test_an_account_starts_with_no_addresses(client, auth):
    assert listed(client, auth) == []


def test_an_address_is_saved_as_sent_and_the_first_is_the_default_whatever_it_says(client, auth, save, stored):
    body = save(HOME, is_default=False)
    assert set(body) == {"id", "full_name", "phone", "address_line", "city", "postal_code", "country", "is_default",
                         "created_at", "updated_at"}
    assert {k: body[k] for k in HOME} == HOME and body["is_default"] is True
    assert body["created_at"] == body["updated_at"]
    assert listed(client, auth) == [body]
    assert stored("alice").phone == ""  # the profile is not the address book


def test_text_is_stripped_as_an_orders_shipping_is(save):
    body = save({**HOME, "city": "  London ", "postal_code": " SW1Y 4JH\t"})
    assert (body["city"], body["postal_code"]) == ("London", "SW1Y 4JH")


def test_a_new_address_is_not_the_default_unless_asked(client, auth, save):
    save(HOME)
    assert save(WORK)["is_default"] is False
    assert defaults(client, auth) == ["London"] and listed(client, auth)[0]["address_line"] == HOME["address_line"]


def test_is_default_moves_the_default_to_the_new_address(client, auth, save, rows):
    home = save(HOME)
    cottage = save(COTTAGE, is_default=True)
    assert cottage["is_default"] is True
    assert [(a["id"], a["is_default"]) for a in listed(client, auth)] == [(cottage["id"], True), (home["id"], False)]
    assert [row[3] for row in rows()] == [False, True]


def test_the_list_is_the_default_first_then_the_newest(client, auth, save):
    home, work, cottage = save(HOME), save(WORK), save(COTTAGE)
    assert [a["id"] for a in listed(client, auth)] == [home["id"], cottage["id"], work["id"]]


def test_a_change_changes_only_the_fields_it_names(client, auth, save):
    home = save(HOME)
    response = client.patch(f"{URL}{home['id']}/", json={"city": "Bath", "phone": "+44 1225 000000"}, headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert body == {**home, "city": "Bath", "phone": "+44 1225 000000", "updated_at": body["updated_at"]}
    assert body["updated_at"] > home["updated_at"]
    assert listed(client, auth) == [body]


def test_is_default_true_moves_the_default_to_the_changed_address(client, auth, save):
    home, work = save(HOME), save(WORK)
    response = client.patch(f"{URL}{work['id']}/", json={"is_default": True}, headers=auth)
    assert response.status_code == 200 and response.get_json()["is_default"] is True
    assert [(a["id"], a["is_default"]) for a in listed(client, auth)] == [(work["id"], True), (home["id"], False)]
    again = client.patch(f"{URL}{work['id']}/", json={"is_default": True}, headers=auth)  # already: no change
    assert again.status_code == 200 and defaults(client, auth) == ["London"]
    assert listed(client, auth)[0]["id"] == work["id"]


def test_the_default_cannot_be_unset_only_moved(client, auth, save):
    home, work = save(HOME), save(WORK)
    body = assert_problem(client.patch(f"{URL}{home['id']}/", json={"is_default": False, "city": "Bath"},
                                       headers=auth), 422, "validation_error")
    assert body["errors"] == {"json": {"is_default": ["Make another address the default instead."]}}
    assert [(a["id"], a["city"], a["is_default"]) for a in listed(client, auth)] == [
        (home["id"], "London", True), (work["id"], "London", False)]
    # false on one that is not the default is what it is already
    response = client.patch(f"{URL}{work['id']}/", json={"is_default": False}, headers=auth)
    assert response.status_code == 200 and response.get_json()["is_default"] is False


def test_deleting_an_address_that_is_not_the_default_leaves_the_default(client, auth, save):
    home, work = save(HOME), save(WORK)
    response = client.delete(f"{URL}{work['id']}/", headers=auth)
    assert response.status_code == 204 and response.get_data() == b""
    assert [(a["id"], a["is_default"]) for a in listed(client, auth)] == [(home["id"], True)]
    assert_problem(client.delete(f"{URL}{work['id']}/", headers=auth), 404, "address_not_found")


def test_deleting_the_default_makes_the_most_recently_updated_one_left_the_default(client, auth, save):
    home, work, cottage = save(HOME), save(WORK), save(COTTAGE)
    assert client.patch(f"{URL}{work['id']}/", json={"full_name": "A. A. King"}, headers=auth).status_code == 200
    assert client.delete(f"{URL}{home['id']}/", headers=auth).status_code == 204
    assert [(a["id"], a["is_default"]) for a in listed(client, auth)] == [(work["id"], True),
                                                                          (cottage["id"], False)]


def test_deleting_the_last_address_leaves_none_and_the_next_is_the_default(client, auth, save):
    home = save(HOME)
    assert client.delete(f"{URL}{home['id']}/", headers=auth).status_code == 204
    assert listed(client, auth) == []
    assert save(WORK)["is_default"] is True


def test_past_the_limit_a_new_address_is_409_and_nothing_is_saved(app, client, auth, save, monkeypatch, rows):
    monkeypatch.setitem(app.config, "SHOP", MappingProxyType({**app.config["SHOP"], "MAX_ADDRESSES": 2}))
    home, work = save(HOME), save(WORK)
    body = assert_problem(client.post(URL, json={**COTTAGE, "is_default": True}, headers=auth), 409,
                          "address_limit")
    assert "at most 2" in body["detail"]
    assert [row[0] for row in rows()] == [home["id"], work["id"]] and defaults(client, auth) == ["London"]
    assert client.delete(f"{URL}{work['id']}/", headers=auth).status_code == 204
    save(COTTAGE)  # room again


def test_the_limit_is_per_account(app, client, auth, bob, save, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP", MappingProxyType({**app.config["SHOP"], "MAX_ADDRESSES": 1}))
    save(HOME)
    assert save(HOME, headers=bob)["is_default"] is True


def test_another_accounts_addresses_are_not_there(client, auth, bob, save, rows):
    mine = save(HOME)
    theirs = save(WORK, headers=bob)
    assert [a["id"] for a in listed(client, auth)] == [mine["id"]]
    assert [a["id"] for a in listed(client, bob)] == [theirs["id"]]
    before = rows()
    for response in (client.patch(f"{URL}{theirs['id']}/", json={"city": "Bath"}, headers=auth),
                     client.patch(f"{URL}{theirs['id']}/", json={"is_default": True}, headers=auth),
                     client.delete(f"{URL}{theirs['id']}/", headers=auth)):
        body = assert_problem(response, 404, "address_not_found")
        assert body["detail"] == "No such address."  # as for an id no one has: it tells nothing
    assert rows() == before
    assert assert_problem(client.patch(f"{URL}{theirs['id'] + 1000}/", json={"city": "Bath"}, headers=auth),
                          404, "address_not_found")["detail"] == "No such address."


def test_a_default_moved_in_one_account_leaves_the_others_alone(client, auth, bob, save):
    save(HOME, headers=bob)
    save(HOME)
    save(WORK, is_default=True)
    assert defaults(client, bob) == ["London"] and listed(client, bob)[0]["address_line"] == HOME["address_line"]


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_the_address_book_needs_a_token(client, method):
    path = URL if method in ("GET", "POST") else f"{URL}1/"
    assert_problem(client.open(path, method=method, json=HOME), 401, "not_authenticated")


# the same refusals as an order's shipping: the one schema validates both (`ShippingSchema`, nested by orders)
BAD_FIELDS = [{"phone": "call me"}, {"phone": "12"}, {"phone": "+44 20 7946 0958 ext"}, {"phone": "1" * 40},
              {"postal_code": "SW1Y_4JH"}, {"postal_code": "-"}, {"postal_code": "1234567890123"},
              {"full_name": "   "}, {"full_name": "x" * 151}, {"address_line": ""}, {"city": None},
              {"country": "U"}, {"country": 42}, {"phone": ["+44 20 7946 0958"]}, {"city": "Lon\x00don"}]


@pytest.mark.parametrize("bad", BAD_FIELDS)
def test_an_address_is_refused_exactly_as_an_orders_shipping_is(client, auth, rows, bad):
    sent = {**HOME, **bad}
    body = assert_problem(client.post(URL, json=sent, headers=auth), 422, "validation_error")
    shipping_errors = ShippingSchema().validate(sent)
    assert shipping_errors and body["errors"] == {"json": shipping_errors}
    assert rows() == []


@pytest.mark.parametrize("bad", BAD_FIELDS)
def test_a_change_is_refused_as_the_same_field_of_a_new_address_and_changes_nothing(client, auth, save, bad):
    home = save(HOME)
    body = assert_problem(client.patch(f"{URL}{home['id']}/", json=bad, headers=auth), 422, "validation_error")
    assert body["errors"] == {"json": ShippingSchema(partial=True).validate(bad)}
    assert listed(client, auth) == [home]


@pytest.mark.parametrize("missing", list(HOME))
def test_a_new_address_needs_every_field(client, auth, missing):
    sent = {k: v for k, v in HOME.items() if k != missing}
    body = assert_problem(client.post(URL, json=sent, headers=auth), 422, "validation_error")
    assert list(body["errors"]["json"]) == [missing]


@pytest.mark.parametrize("extra", [{"is_default": "yes"}, {"is_default": 1}, {"is_default": None},
                                   {"is_default": "true"}, {"id": 7}, {"user_id": 2}, {"created_at": "2000-01-01"}])
def test_what_is_not_an_address_field_is_refused(client, auth, save, rows, extra):
    assert_problem(client.post(URL, json={**HOME, **extra}, headers=auth), 422, "validation_error")
    home = save(HOME)
    body = assert_problem(client.patch(f"{URL}{home['id']}/", json=extra, headers=auth), 422, "validation_error")
    assert set(body["errors"]["json"]) == set(extra)
    assert listed(client, auth) == [home] and len(rows()) == 1


@pytest.mark.parametrize("path", [f"{URL}0/", f"{URL}-1/", f"{URL}{2**63}/", f"{URL}abc/", f"{URL}1.5/"])
def test_an_id_that_cannot_be_an_address_is_404(client, auth, path):
    assert_problem(client.patch(path, json={"city": "Bath"}, headers=auth), 404)
    assert_problem(client.delete(path, headers=auth), 404)


@pytest.mark.parametrize("body, content_type, status", [
    ("[" * 100_000 + "]" * 100_000, "application/json", 400), ('{"city": ' + "9" * 5000 + "}", "application/json",
                                                               400),
    ("city=Bath", "application/x-www-form-urlencoded", 415), ("", "application/json", 422), ("[]", "application/json",
                                                                                              422),
    ('{"city": "\\ud800"}', "application/json", 422),
])
def test_hostile_bodies_are_a_4xx_never_a_500(client, auth, save, body, content_type, status):
    home = save(HOME)
    for method, path in (("POST", URL), ("PATCH", f"{URL}{home['id']}/")):
        assert_problem(client.open(path, method=method, data=body, content_type=content_type, headers=auth), status)
    assert listed(client, auth) == [home]


def test_racing_first_addresses_leave_exactly_one_default(app, auth):
    answers = concurrently(8, lambda n: app.test_client().post(
        URL, json={**HOME, "city": f"City {n}", "is_default": n % 2 == 0}, headers=auth))
    assert [a.status_code for a in answers] == [201] * 8
    assert len(defaults(app.test_client(), auth)) == 1


def test_racing_deletes_never_leave_addresses_without_a_default(app, client, auth, save):
    for round_ in range(10):
        # the default's heir is the most recently updated one left: the one deleted beside it
        left, default, heir = (save({**HOME, "city": f"{name} {round_}"}) for name in ("Left", "Default", "Heir"))
        client.patch(f"{URL}{default['id']}/", json={"is_default": True}, headers=auth)
        client.patch(f"{URL}{heir['id']}/", json={"full_name": "Heir"}, headers=auth)
        answers = concurrently(2, lambda n, ids=(default["id"], heir["id"]): app.test_client().delete(
            f"{URL}{ids[n]}/", headers=auth))
        assert [a.status_code for a in answers] == [204, 204]
        book = listed(client, auth)
        assert [a["id"] for a in book if a["is_default"]] == [book[0]["id"]], round_
        assert left["id"] in [a["id"] for a in book]


def test_racing_creates_and_deletes_leave_exactly_one_default(app, client, auth, save):
    saved = [save({**HOME, "city": f"Old {n}"}) for n in range(4)]

    def work(n):
        client = app.test_client()
        if n < 4:
            return client.delete(f"{URL}{saved[n]['id']}/", headers=auth)
        return client.post(URL, json={**WORK, "city": f"New {n}"}, headers=auth)

    answers = concurrently(8, work)
    assert [a.status_code for a in answers] == [204] * 4 + [201] * 4
    book = listed(client, auth)
    assert len(book) == 4 and [a["is_default"] for a in book].count(True) == 1 and book[0]["is_default"]
