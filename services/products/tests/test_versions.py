"""ETags of products and categories, and If-Match on every staff write: a stale one is 412 and changes nothing."""

import pytest

from shop_common.testing import assert_problem


@pytest.fixture
def linen(category, product):
    category("Shirts")
    return product("Linen shirt", variants=[{"sku": "LIN-S", "label": "S", "price": "40.00", "stock": 5},
                                            {"sku": "LIN-M", "label": "M", "price": "42.00", "stock": 3}])


def tag(client, path="/api/products/linen-shirt/", headers=None):
    """The ETag of a read: a guest's, or (`headers` of staff) the staff's, which is what staff writes answer."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('"') and len(response.headers["ETag"]) == 34
    return response.headers["ETag"]


def test_a_detail_has_an_etag_and_answers_304_when_it_is_unchanged(client, linen):
    first = tag(client)
    assert tag(client) == first
    again = client.get("/api/products/linen-shirt/", headers={"If-None-Match": first})
    assert again.status_code == 304 and again.headers["ETag"] == first
    assert client.get("/api/products/linen-shirt/", headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etag_is_the_same_with_and_without_the_cache(client, uncached, linen):
    assert tag(client) == tag(uncached)


def _variant(linen, sku):
    return next(v["id"] for v in linen["variants"] if v["sku"] == sku)


CHANGES = {
    "name": lambda c, h, linen: c.patch("/api/products/linen-shirt/", json={"name": "Linen top"}, headers=h),
    "stock": lambda c, h, linen: c.patch(f"/api/products/linen-shirt/variants/{_variant(linen, 'LIN-S')}/",
                                         json={"stock": 4}, headers=h),
    "variant added": lambda c, h, linen: c.post("/api/products/linen-shirt/variants/",
                                                json={"sku": "LIN-L", "label": "L", "price": "45.00"}, headers=h),
    "variant removed": lambda c, h, linen: c.delete(
        f"/api/products/linen-shirt/variants/{_variant(linen, 'LIN-M')}/", headers=h),
    "category renamed": lambda c, h, linen: c.patch("/api/categories/shirts/", json={"name": "Tops"}, headers=h),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_etag_changes_with_every_kind_of_change(client, staff, linen, change):
    before = tag(client)
    response = CHANGES[change](client, staff, linen)
    assert response.status_code < 300, response.get_json()
    after = tag(client)
    assert after != before
    if change != "category renamed":  # a product write answers the product's new ETag, as the staff read it
        assert response.headers["ETag"] == tag(client, headers=staff)


def test_a_sale_changes_the_etag(client, service, linen):
    before = tag(client)
    response = client.post("/internal/reservations/", headers=service, json={
        "key": "order-1", "lines": [{"variant_id": _variant(linen, "LIN-S"), "quantity": 2}]})
    assert response.status_code == 201, response.get_json()
    assert tag(client) != before


def _writes(linen):
    s, m = _variant(linen, "LIN-S"), _variant(linen, "LIN-M")
    return [
        ("PATCH", "/api/products/linen-shirt/", {"name": "Other"}),
        ("DELETE", "/api/products/linen-shirt/", None),
        ("POST", "/api/products/linen-shirt/variants/", {"sku": "LIN-L", "label": "L", "price": "1.00"}),
        ("PATCH", f"/api/products/linen-shirt/variants/{s}/", {"stock": 0}),
        ("DELETE", f"/api/products/linen-shirt/variants/{m}/", None),
    ]


def test_a_stale_if_match_is_412_and_changes_nothing(client, staff, service, linen):
    stale = tag(client)
    client.post("/internal/reservations/", headers=service, json={  # someone buys one meanwhile
        "key": "order-1", "lines": [{"variant_id": _variant(linen, "LIN-S"), "quantity": 1}]})
    before = client.get("/api/products/linen-shirt/").get_json()
    for method, path, body in _writes(linen):
        response = client.open(path, method=method, json=body, headers={**staff, "If-Match": stale})
        assert_problem(response, 412, "version_conflict")
        assert "ETag" not in response.headers
    assert client.get("/api/products/linen-shirt/").get_json() == before


def test_a_current_if_match_goes_through_and_answers_the_new_etag(client, staff, linen):
    current = tag(client)
    for method, path, body in _writes(linen)[2:] + _writes(linen)[:1]:
        response = client.open(path, method=method, json=body, headers={**staff, "If-Match": current})
        assert response.status_code < 300, response.get_json()
        assert response.headers["ETag"] != current
        current = response.headers["ETag"]
        assert tag(client, headers=staff) == current  # saved again without reading first
    response = client.delete("/api/products/linen-shirt/", headers={**staff, "If-Match": current})
    assert response.status_code == 204
    assert client.get("/api/products/linen-shirt/").status_code == 404


def test_if_match_star_and_a_list_of_tags(client, staff, linen):
    current = tag(client)
    response = client.patch("/api/products/linen-shirt/", json={"name": "A"}, headers={**staff, "If-Match": "*"})
    assert response.status_code == 200
    newer = response.headers["ETag"]
    assert_problem(client.patch("/api/products/linen-shirt/", json={"name": "B"},
                                headers={**staff, "If-Match": current}), 412, "version_conflict")
    assert client.patch("/api/products/linen-shirt/", json={"name": "B"},
                        headers={**staff, "If-Match": f'{current}, {newer}'}).status_code == 200
    # the gateway's gzip marks the tag it passes on weak: the same version of the same JSON, so it matches
    assert client.patch("/api/products/linen-shirt/", json={"name": "C"},
                        headers={**staff, "If-Match": f"W/{tag(client)}"}).status_code == 200
    assert_problem(client.patch("/api/products/linen-shirt/", json={"name": "D"},
                                headers={**staff, "If-Match": f"W/{newer}"}), 412, "version_conflict")


def test_a_new_product_answers_its_etag(client, staff, linen):
    response = client.post("/api/products/", headers=staff, json={
        "name": "Oxford", "category": "shirts", "variants": [{"sku": "OX", "label": "One", "price": "5.00"}]})
    assert response.status_code == 201
    assert response.headers["ETag"] == tag(client, "/api/products/oxford/", staff)


def test_a_category_has_its_own_resource_and_etag(client, staff, linen):
    response = client.get("/api/categories/shirts/")
    assert response.get_json() == {"id": response.get_json()["id"], "name": "Shirts", "slug": "shirts",
                                   "description": "", "product_count": 1}
    assert_problem(client.get("/api/categories/hats/"), 404, "category_not_found")
    assert_problem(client.get("/api/categories/Bad Slug/"), 404, "category_not_found")
    first = tag(client, "/api/categories/shirts/")
    client.post("/api/products/", headers=staff, json={
        "name": "Oxford", "category": "shirts", "variants": [{"sku": "OX", "label": "One", "price": "5.00"}]})
    counted = tag(client, "/api/categories/shirts/")
    assert counted != first  # its product_count is part of what it shows
    assert_problem(client.patch("/api/categories/shirts/", json={"name": "Tops"},
                                headers={**staff, "If-Match": first}), 412, "version_conflict")
    assert_problem(client.delete("/api/categories/shirts/", headers={**staff, "If-Match": first}), 412,
                   "version_conflict")
    assert client.get("/api/categories/shirts/").get_json()["name"] == "Shirts"
    response = client.patch("/api/categories/shirts/", json={"name": "Tops"}, headers={**staff, "If-Match": counted})
    assert response.status_code == 200 and response.headers["ETag"] == tag(client, "/api/categories/shirts/", staff)
    created = client.post("/api/categories/", json={"name": "Hats"}, headers=staff)
    assert created.headers["ETag"] == tag(client, "/api/categories/hats/", staff)
