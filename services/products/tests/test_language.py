"""The catalogue in the shopper's language: Accept-Language chooses it, Content-Language says it, a missing
translation falls back to English, the cache keeps one answer per language, staff read and write the
translations beside the English columns."""

import pytest

from shop_common.testing import assert_problem

RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


@pytest.fixture
def linen(category, product):
    category("Shirts", description="Everyday shirts", translations={"ru": {"name": "Рубашки"}})
    return product("Linen shirt", description="A light summer shirt", attributes={"material": "linen",
                                                                                   "brand": "Northfold"},
                   translations={"ru": {"name": "Льняная рубашка", "description": "Лёгкая летняя рубашка",
                                        "values": {"linen": "лён", "Navy": "Тёмно-синий", "One size": "Один размер"}}},
                   variants=[{"sku": "LIN-M-NAVY", "label": "M / Navy", "attributes": {"size": "M", "color": "Navy"},
                              "price": "40.00", "stock": 3},
                             {"sku": "LIN-ONE", "label": "One size", "price": "42.00", "stock": 1},
                             {"sku": "LIN-L-SAND", "label": "L / Sand", "attributes": {"size": "L", "color": "Sand"},
                              "price": "44.00", "stock": 0}])


def test_a_product_answers_in_the_language_asked_for(client, linen):
    response = client.get("/api/products/linen-shirt/", headers=RU)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ru" and "Accept-Language" in response.headers["Vary"]
    body = response.get_json()
    assert (body["name"], body["description"]) == ("Льняная рубашка", "Лёгкая летняя рубашка")
    assert body["category"] == {"slug": "shirts", "name": "Рубашки"}
    assert body["attributes"] == {"material": "лён", "brand": "Northfold"}  # a value without translation as it is
    assert [(v["label"], v["attributes"]) for v in body["variants"]] == [
        ("M / Тёмно-синий", {"size": "M", "color": "Тёмно-синий"}), ("Один размер", {}),
        ("L / Sand", {"size": "L", "color": "Sand"})]
    assert "translations" not in body

    english = client.get("/api/products/linen-shirt/", headers=EN)
    assert english.headers["Content-Language"] == "en"
    assert (english.get_json()["name"], english.get_json()["variants"][0]["label"]) == ("Linen shirt", "M / Navy")
    # neither of ours: English
    assert client.get("/api/products/linen-shirt/", headers={"Accept-Language": "de, fr;q=0.5"}).get_json() \
        == english.get_json()
    assert client.get("/api/products/linen-shirt/").headers["Content-Language"] == "en"


def test_what_is_not_translated_falls_back_to_english(client, staff, linen):
    client.patch("/api/categories/shirts/", headers=staff, json={"translations": {"ru": {"name": "Рубашки"}}})
    category = client.get("/api/categories/shirts/", headers=RU).get_json()
    assert (category["name"], category["description"]) == ("Рубашки", "Everyday shirts")
    response = client.patch("/api/products/linen-shirt/", headers=staff,
                            json={"translations": {"ru": {"name": "Льняная рубашка", "description": ""}}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["translations"] == {"ru": {"name": "Льняная рубашка"}}  # the emptied one is gone
    body = client.get("/api/products/linen-shirt/", headers=RU).get_json()
    assert (body["name"], body["description"]) == ("Льняная рубашка", "A light summer shirt")
    assert body["variants"][0]["label"] == "M / Navy"  # its values are no longer translated


@pytest.mark.parametrize("reader", ["client", "uncached"])
def test_lists_and_categories_answer_in_the_language_from_the_cache_and_from_postgres(request, linen, reader):
    client = request.getfixturevalue(reader)
    for _ in range(2):  # the second time from the cache, when there is one
        for headers, name, category in ((RU, "Льняная рубашка", "Рубашки"), (EN, "Linen shirt", "Shirts")):
            page = client.get("/api/products/", headers=headers)
            assert page.headers["Content-Language"] == headers["Accept-Language"][:2]
            card = page.get_json()["results"][0]
            assert (card["name"], card["category"]["name"]) == (name, category)
            assert client.get("/api/products/?category=shirts&ordering=price", headers=headers) \
                .get_json()["results"][0]["name"] == name
            assert client.get("/api/products/linen-shirt/", headers=headers).get_json()["name"] == name
            assert [c["name"] for c in client.get("/api/categories/", headers=headers).get_json()] == [category]
            assert client.get("/api/categories/shirts/", headers=headers).get_json()["name"] == category


def test_cached_and_uncached_answers_are_the_same_in_each_language(client, uncached, linen):
    for headers in (RU, EN):
        for path in ("/api/products/", "/api/products/linen-shirt/", "/api/categories/"):
            client.get(path, headers=headers)  # into the cache
            assert client.get(path, headers=headers).get_json() == uncached.get(path, headers=headers).get_json()


def test_a_staff_change_of_a_translation_is_seen_at_once_in_that_language(client, staff, linen):
    assert client.get("/api/products/", headers=RU).get_json()["results"][0]["name"] == "Льняная рубашка"
    assert client.get("/api/products/linen-shirt/", headers=RU).get_json()["name"] == "Льняная рубашка"
    client.get("/api/categories/", headers=RU)
    changed = client.patch("/api/products/linen-shirt/", headers=staff,
                           json={"translations": {"ru": {"name": "Рубашка из льна"}}})
    assert changed.status_code == 200, changed.get_json()
    client.patch("/api/categories/shirts/", headers=staff, json={"translations": {"ru": {"name": "Сорочки"}}})
    card = client.get("/api/products/", headers=RU).get_json()["results"][0]
    assert (card["name"], card["category"]["name"]) == ("Рубашка из льна", "Сорочки")
    assert client.get("/api/products/linen-shirt/", headers=RU).get_json()["name"] == "Рубашка из льна"
    assert client.get("/api/categories/", headers=RU).get_json()[0]["name"] == "Сорочки"
    assert client.get("/api/products/linen-shirt/", headers=EN).get_json()["name"] == "Linen shirt"


def test_the_etag_differs_per_language_and_a_304_is_only_for_the_same_language(client, category, product):
    category("Hats")
    product("Felt hat", category="hats")  # no translation at all: the same text in both languages
    english = client.get("/api/products/felt-hat/", headers=EN)
    russian = client.get("/api/products/felt-hat/", headers=RU)
    assert english.get_json() == russian.get_json() and english.headers["ETag"] != russian.headers["ETag"]
    assert client.get("/api/products/felt-hat/", headers={**RU, "If-None-Match": russian.headers["ETag"]}) \
        .status_code == 304
    again = client.get("/api/products/felt-hat/", headers={**RU, "If-None-Match": english.headers["ETag"]})
    assert again.status_code == 200 and again.headers["Content-Language"] == "ru"
    hats = [client.get("/api/categories/hats/", headers=headers).headers["ETag"] for headers in (EN, RU)]
    assert hats[0] != hats[1]


def test_public_answers_may_be_kept_a_second_and_answers_with_a_token_never(client, staff, shopper, linen):
    for path in ("/api/products/", "/api/products/linen-shirt/", "/api/categories/", "/api/categories/shirts/"):
        public = client.get(path, headers=RU)
        assert public.headers["Cache-Control"] == "public, max-age=1"
        assert client.get(path, headers={**RU, "If-None-Match": public.headers.get("ETag", '"x"')}) \
            .headers["Cache-Control"] == "public, max-age=1"
        for token in (staff, shopper):
            assert client.get(path, headers={**RU, **token}).headers["Cache-Control"] == "private, no-store"
    assert "Cache-Control" not in client.get("/api/products/no-such-thing/").headers


def test_staff_read_the_english_columns_with_their_translations(client, staff, shopper, linen):
    response = client.get("/api/products/linen-shirt/", headers={**RU, **staff})
    body = response.get_json()
    assert response.headers["Content-Language"] == "en"
    assert (body["name"], body["variants"][0]["label"], body["category"]["name"]) == (
        "Linen shirt", "M / Navy", "Shirts")
    assert body["translations"]["ru"]["values"]["Navy"] == "Тёмно-синий"
    category = client.get("/api/categories/shirts/", headers={**RU, **staff}).get_json()
    assert (category["name"], category["translations"]) == ("Shirts", {"ru": {"name": "Рубашки"}})
    # a shopper's token, or a bad one, reads what a guest reads
    for token in (shopper, {"Authorization": "Bearer not-a-token"}):
        assert client.get("/api/products/linen-shirt/", headers={**RU, **token}).get_json() == \
            client.get("/api/products/linen-shirt/", headers=RU).get_json()


def test_if_match_takes_the_staff_read_or_any_language_and_sees_a_translation_change(client, staff, linen):
    russian = client.get("/api/products/linen-shirt/", headers=RU).headers["ETag"]
    response = client.patch("/api/products/linen-shirt/", headers={**staff, "If-Match": russian},
                            json={"description": "Light"})
    assert response.status_code == 200, response.get_json()
    staff_tag = response.headers["ETag"]
    assert staff_tag == client.get("/api/products/linen-shirt/", headers=staff).headers["ETag"]
    changed = client.patch("/api/products/linen-shirt/", headers=staff,
                           json={"translations": {"ru": {"name": "Другое имя"}}})
    assert changed.status_code == 200
    # the staff's version covers the translations: a change to them makes it stale
    assert_problem(client.patch("/api/products/linen-shirt/", headers={**staff, "If-Match": staff_tag},
                                json={"translations": {}}), 412, "version_conflict")
    assert client.get("/api/products/linen-shirt/", headers=RU).get_json()["name"] == "Другое имя"


BAD = {
    "the default language": {"en": {"name": "Linen"}},
    "a language the shop does not speak": {"de": {"name": "Leinenhemd"}},
    "an unknown field": {"ru": {"title": "Рубашка"}},
    "a name too long": {"ru": {"name": "я" * 201}},
    "a description too long": {"ru": {"description": "я" * 20001}},
    "a value too long": {"ru": {"values": {"linen": "я" * 201}}},
    "an empty value to translate": {"ru": {"values": {"": "лён"}}},
    "too many values": {"ru": {"values": {f"v{n}": "x" for n in range(501)}}},
    "a value that is not text": {"ru": {"values": {"linen": 3}}},
    "a language that is not an object": {"ru": "Рубашка"},
    "not an object": ["ru"],
}


@pytest.mark.parametrize("case", BAD)
def test_bad_product_translations_are_422_and_change_nothing(client, staff, linen, case):
    before = client.get("/api/products/linen-shirt/", headers=staff).get_json()
    body = assert_problem(client.patch("/api/products/linen-shirt/", headers=staff,
                                       json={"translations": BAD[case]}), 422, "validation_error")
    assert "translations" in body["errors"]["json"]
    made = client.post("/api/products/", headers=staff, json={
        "name": "Other", "category": "shirts", "translations": BAD[case],
        "variants": [{"sku": "OTHER", "label": "One", "price": "1.00"}]})
    assert_problem(made, 422, "validation_error")
    assert client.get("/api/products/linen-shirt/", headers=staff).get_json() == before
    assert client.get("/api/products/other/").status_code == 404


@pytest.mark.parametrize("translations", [{"ru": {"name": "я" * 101}}, {"ru": {"description": "я" * 2001}},
                                          {"ru": {"values": {}}}, {"fr": {"name": "Chemises"}}])
def test_bad_category_translations_are_422(client, staff, linen, translations):
    assert_problem(client.patch("/api/categories/shirts/", headers=staff, json={"translations": translations}), 422,
                   "validation_error")
    assert_problem(client.post("/api/categories/", headers=staff, json={"name": "Caps", "translations": translations}),
                   422, "validation_error")
    kept = client.get("/api/categories/shirts/", headers=staff).get_json()["translations"]
    assert kept == {"ru": {"name": "Рубашки"}}


def test_the_lengths_allowed_are_the_english_columns(client, staff, linen):
    longest = {"ru": {"name": "я" * 200, "description": "я" * 20000, "values": {"linen": "я" * 200}}}
    response = client.patch("/api/products/linen-shirt/", headers=staff, json={"translations": longest})
    assert response.status_code == 200, response.get_json()
    assert client.get("/api/products/linen-shirt/", headers=RU).get_json()["name"] == "я" * 200


def test_the_stock_other_services_read_is_in_the_callers_language(client, service, linen):
    ids = [v["id"] for v in linen["variants"]]
    response = client.post("/internal/stock/", headers={**service, **RU}, json={"variant_ids": ids})
    assert response.status_code == 200 and response.headers["Content-Language"] == "ru"
    variants = response.get_json()["variants"]
    assert [(v["name"], v["label"], v["attributes"].get("color")) for v in variants] == [
        ("Льняная рубашка", "M / Тёмно-синий", "Тёмно-синий"), ("Льняная рубашка", "Один размер", None),
        ("Льняная рубашка", "L / Sand", "Sand")]
    english = client.post("/internal/stock/", headers=service, json={"variant_ids": ids}).get_json()["variants"]
    assert (english[0]["name"], english[0]["label"]) == ("Linen shirt", "M / Navy")
