"""Staff change the catalogue through the same resources; everyone else is refused and changes nothing."""

import pytest

from shop_common.testing import assert_problem

LINEN = {"name": "Linen shirt", "category": "shirts",
         "variants": [{"sku": "LIN-S", "label": "S", "price": "40.00", "stock": 2}]}


@pytest.fixture(autouse=True)
def _shirts(category):
    category("Shirts")


WRITES = [
    ("POST", "/api/products/", LINEN),
    ("PATCH", "/api/products/linen-shirt/", {"name": "x"}),
    ("DELETE", "/api/products/linen-shirt/", None),
    ("POST", "/api/products/linen-shirt/variants/", {"sku": "X", "label": "X", "price": "1.00"}),
    ("PATCH", "/api/products/linen-shirt/variants/1/", {"stock": 0}),
    ("DELETE", "/api/products/linen-shirt/variants/1/", None),
    ("POST", "/api/categories/", {"name": "Hats"}),
    ("PATCH", "/api/categories/shirts/", {"name": "x"}),
    ("DELETE", "/api/categories/shirts/", None),
]


@pytest.mark.parametrize("method, path, body", WRITES)
def test_writes_need_a_staff_token(client, product, shopper, method, path, body):
    product("Linen shirt")
    before = client.get("/api/products/linen-shirt/").get_json(), client.get("/api/categories/").get_json()
    assert_problem(client.open(path, method=method, json=body), 401, "not_authenticated")
    assert_problem(client.open(path, method=method, json=body, headers=shopper), 403, "staff_only")
    after = client.get("/api/products/linen-shirt/").get_json(), client.get("/api/categories/").get_json()
    assert after == before


def test_a_product_is_created_with_its_variants_and_derived_figures(client, staff):
    response = client.post("/api/products/", headers=staff, json={
        "name": "Linen shirt", "description": "Light", "category": "shirts", "images": ["/a.svg"],
        "attributes": {"material": "linen", "brand": "Shop"},
        "variants": [{"sku": "LIN-S", "label": "S", "attributes": {"size": "S", "color": "white"},
                      "price": "40.00", "stock": 2},
                     {"sku": "LIN-M", "label": "M", "price": "35.5", "stock": 7}]})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["slug"], body["price"], body["stock"], body["in_stock"]) == ("linen-shirt", "35.50", 9, True)
    assert [v["price"] for v in body["variants"]] == ["40.00", "35.50"]
    assert client.get("/api/products/linen-shirt/", headers=staff).get_json() == body


def test_slugs_are_made_from_names_and_kept_unique(client, staff, product):
    assert product("Linen shirt")["slug"] == "linen-shirt"
    assert product("Linen shirt", variants=[{"sku": "B", "label": "B", "price": "1"}])["slug"] == "linen-shirt-2"
    assert product("Рубашка льняная", variants=[{"sku": "C", "label": "C", "price": "1"}])["slug"] == \
        "rubashka-lnianaia"


@pytest.mark.parametrize("body, status, code, field", [
    ({**LINEN, "slug": "linen-shirt"}, 409, "slug_taken", "slug"),
    ({**LINEN, "name": "Other", "slug": None}, 422, "validation_error", "slug"),
    ({**LINEN, "name": "Other"}, 409, "sku_taken", "sku"),
    ({**LINEN, "category": "hats"}, 422, "validation_error", "category"),
    ({**LINEN, "variants": []}, 422, "validation_error", "variants"),
    ({k: v for k, v in LINEN.items() if k != "variants"}, 422, "validation_error", "variants"),
    ({**LINEN, "variants": [{"sku": "Z", "label": "Z", "price": "-1"}]}, 422, "validation_error", "variants"),
    ({**LINEN, "variants": [{"sku": "Z", "label": "Z", "price": "1.999"}]}, 422, "validation_error", "variants"),
    ({**LINEN, "variants": [{"sku": "Z", "label": "Z", "price": 1.5}]}, 422, "validation_error", "variants"),
    ({**LINEN, "variants": [{"sku": "Z", "label": "Z", "price": "1", "stock": -1}]}, 422, "validation_error",
     "variants"),
    ({**LINEN, "variants": [{"sku": "Z", "label": "Z", "price": "1", "stock": 2**31}]}, 422, "validation_error",
     "variants"),
    ({**LINEN, "variants": [{"sku": "Z", "label": "Z", "price": "1", "stock": 1.0}]}, 422, "validation_error",
     "variants"),
    ({**LINEN, "name": "x" * 201}, 422, "validation_error", "name"),
    ({**LINEN, "name": "Nul\x00"}, 422, "validation_error", "name"),
    ({**LINEN, "slug": "Bad Slug"}, 422, "validation_error", "slug"),
    ({**LINEN, "price": "1.00"}, 422, "validation_error", "price"),
    ({**LINEN, "stock": 100}, 422, "validation_error", "stock"),
    ({**LINEN, "id": 7}, 422, "validation_error", "id"),
    ({**LINEN, "attributes": {"k": 1}}, 422, "validation_error", "attributes"),
    ({**LINEN, "images": "one.svg"}, 422, "validation_error", "images"),
])
def test_bad_products_are_refused_and_nothing_is_stored(client, staff, product, body, status, code, field):
    product("Linen shirt", variants=[{"sku": "LIN-S", "label": "S", "price": "40.00", "stock": 2}])
    problem = assert_problem(client.post("/api/products/", json=body, headers=staff), status, code)
    assert field in problem["errors"]["json"], problem
    assert client.get("/api/products/").get_json()["count"] == 1


def test_a_product_can_be_changed_and_moved(client, staff, product, category):
    product("Linen shirt", images=["/b.svg"])
    category("Summer")
    response = client.patch("/api/products/linen-shirt/", headers=staff, json={
        "name": "Linen shirt II", "slug": "linen-2", "category": "summer"})
    assert response.status_code == 200
    body = client.get("/api/products/linen-2/").get_json()
    assert (body["name"], body["category"]["slug"], body["image"]) == ("Linen shirt II", "summer", "/b.svg")
    # a PATCH's `images` is the order of its photos (test_photos.py), not the artwork's URLs
    assert_problem(client.patch("/api/products/linen-2/", headers=staff, json={"images": ["/c.svg"]}), 422)
    assert_problem(client.get("/api/products/linen-shirt/"), 404, "product_not_found")
    assert_problem(client.patch("/api/products/linen-2/", headers=staff, json={"variants": []}), 422)
    assert_problem(client.patch("/api/products/nope/", headers=staff, json={"name": "x"}), 404, "product_not_found")


def test_setting_stock_shows_at_once_in_detail_list_and_filters(client, staff, product):
    made = product("Linen shirt", variants=[{"sku": "A", "label": "A", "price": "10", "stock": 1},
                                            {"sku": "B", "label": "B", "price": "12", "stock": 0}])
    first, second = (v["id"] for v in made["variants"])
    assert client.patch(f"/api/products/linen-shirt/variants/{first}/", headers=staff,
                        json={"stock": 0}).get_json()["in_stock"] is False
    assert client.get("/api/products/?in_stock=false").get_json()["count"] == 1
    card = client.get("/api/products/").get_json()["results"][0]
    assert (card["stock"], card["in_stock"]) == (0, False)
    client.patch(f"/api/products/linen-shirt/variants/{second}/", headers=staff, json={"stock": 4, "price": "9.50"})
    card = client.get("/api/products/").get_json()["results"][0]
    assert (card["stock"], card["in_stock"], card["price"]) == (4, True, "9.50")


def test_variants_are_added_and_deleted_but_never_the_last_one(client, staff, product):
    made = product("Linen shirt")
    only = made["variants"][0]["id"]
    added = client.post("/api/products/linen-shirt/variants/", headers=staff,
                        json={"sku": "LIN-XL", "label": "XL", "attributes": {"size": "XL"}, "price": "3", "stock": 1})
    assert added.status_code == 201
    assert client.get("/api/products/linen-shirt/").get_json()["price"] == "3.00"
    assert client.delete(f"/api/products/linen-shirt/variants/{only}/", headers=staff).status_code == 204
    last = added.get_json()["id"]
    assert_problem(client.delete(f"/api/products/linen-shirt/variants/{last}/", headers=staff), 409, "last_variant")
    assert_problem(client.delete(f"/api/products/linen-shirt/variants/{only}/", headers=staff), 404,
                   "variant_not_found")
    assert_problem(client.patch(f"/api/products/linen-shirt/variants/{last}/", headers=staff, json={"stock": -5}),
                   422)
    assert_problem(client.patch(f"/api/products/linen-shirt/variants/{last}/", headers=staff,
                                json={"product_id": 9}), 422)
    assert client.get("/api/products/linen-shirt/").get_json()["stock"] == 1


def test_a_variant_of_another_product_is_not_found_through_this_one(client, staff, product):
    product("Linen shirt")
    other = product("Oxford shirt", variants=[{"sku": "OX", "label": "One", "price": "1"}])["variants"][0]["id"]
    assert_problem(client.patch(f"/api/products/linen-shirt/variants/{other}/", headers=staff, json={"stock": 0}),
                   404, "variant_not_found")


def test_deleting_a_product_removes_it_and_its_variants(client, staff, product):
    product("Linen shirt")
    assert client.delete("/api/products/linen-shirt/", headers=staff).status_code == 204
    assert_problem(client.get("/api/products/linen-shirt/"), 404, "product_not_found")
    assert client.get("/api/categories/").get_json()[0]["product_count"] == 0


def test_categories_are_created_changed_and_deleted_only_when_empty(client, staff, product, category):
    assert category("Hats", description="On heads")["slug"] == "hats"
    assert_problem(client.post("/api/categories/", headers=staff, json={"name": "Hats", "slug": "hats"}), 409,
                   "slug_taken")
    renamed = client.patch("/api/categories/hats/", headers=staff, json={"name": "Caps", "slug": "caps"})
    assert renamed.get_json() == {"id": renamed.get_json()["id"], "name": "Caps", "slug": "caps",
                                  "description": "On heads", "product_count": 0, "translations": {}}
    product("Linen shirt")
    assert_problem(client.delete("/api/categories/shirts/", headers=staff), 409, "category_not_empty")
    assert client.delete("/api/categories/caps/", headers=staff).status_code == 204
    assert [c["slug"] for c in client.get("/api/categories/").get_json()] == ["shirts"]
    assert_problem(client.delete("/api/categories/caps/", headers=staff), 404, "category_not_found")
    assert_problem(client.post("/api/categories/", headers=staff, json={"name": "x", "product_count": 3}), 422)


def test_stock_is_capped_far_above_any_shelf_so_sums_never_overflow(client, staff, product):
    made = product("Big", variants=[{"sku": f"BIG{n}", "label": str(n), "price": "1", "stock": 1_000_000}
                                    for n in range(3)])
    assert made["stock"] == 3_000_000
    variant = made["variants"][0]["id"]
    assert_problem(client.patch(f"/api/products/big/variants/{variant}/", headers=staff, json={"stock": 1_000_001}),
                   422)
