"""The staff's low-stock list: `GET /api/products/?stock_below=N`, staff only, never through the public cache."""

import pytest

from shop_common.testing import assert_problem


@pytest.fixture
def shop(category, product):
    category("Shirts")
    category("Shoes")
    return {
        "linen": product("Linen shirt", variants=[
            {"sku": f"LIN-{size}", "label": size, "price": "40.00", "stock": stock}
            for size, stock in (("S", 4), ("M", 0), ("L", 2), ("XL", 30))]),
        "oxford": product("Oxford shirt", variants=[{"sku": "OX", "label": "One", "price": "55.50", "stock": 9}]),
        "boots": product("Hiking boots", category="shoes",
                         variants=[{"sku": "BOOT", "label": "42", "price": "80.00", "stock": 1}]),
    }


def test_only_products_with_a_variant_below_the_threshold_each_with_those_variants(client, staff, shop):
    body = client.get("/api/products/?stock_below=5", headers=staff).get_json()
    assert body["count"] == 2
    cards = {card["slug"]: card for card in body["results"]}
    assert set(cards) == {"linen-shirt", "hiking-boots"}
    assert [(v["sku"], v["stock"]) for v in cards["linen-shirt"]["low_variants"]] == \
        [("LIN-M", 0), ("LIN-L", 2), ("LIN-S", 4)]  # fewest first
    assert [v["sku"] for v in cards["hiking-boots"]["low_variants"]] == ["BOOT"]
    assert cards["linen-shirt"]["stock"] == 36 and cards["linen-shirt"]["name"] == "Linen shirt"
    one = client.get("/api/products/?stock_below=1", headers=staff).get_json()
    assert [(c["slug"], [v["sku"] for v in c["low_variants"]]) for c in one["results"]] == \
        [("linen-shirt", ["LIN-M"])]
    assert client.get("/api/products/?stock_below=1000000", headers=staff).get_json()["count"] == 3


def test_it_combines_with_the_other_filters_orderings_and_pages(client, staff, shop):
    def slugs(query):
        response = client.get(f"/api/products/?stock_below=5&{query}", headers=staff)
        assert response.status_code == 200, response.get_json()
        return [card["slug"] for card in response.get_json()["results"]]

    assert slugs("category=shoes") == ["hiking-boots"]
    assert slugs("search=shirt") == ["linen-shirt"]
    assert slugs("min_price=50") == ["hiking-boots"]
    assert slugs("ordering=-price") == ["hiking-boots", "linen-shirt"]
    assert slugs("ordering=price") == ["linen-shirt", "hiking-boots"]
    assert slugs("page_size=1&ordering=name") == ["hiking-boots"]
    page2 = client.get("/api/products/?stock_below=5&page_size=1&ordering=name&page=2", headers=staff).get_json()
    assert [c["slug"] for c in page2["results"]] == ["linen-shirt"] and page2["next"] is None
    assert "stock_below=5" in page2["previous"]
    assert_problem(client.get("/api/products/?stock_below=5&page=3&page_size=1", headers=staff), 404,
                   "page_not_found")


def test_a_public_list_has_no_low_variants(client, shop):
    assert all("low_variants" not in card for card in client.get("/api/products/").get_json()["results"])


@pytest.mark.parametrize("value", ["0", "-1", "1000001", "a", "2.5"])
def test_a_bad_threshold_is_422(client, staff, shop, value):
    body = assert_problem(client.get(f"/api/products/?stock_below={value}", headers=staff), 422,
                          "validation_error")
    assert "stock_below" in body["errors"]["query"]


def test_only_staff_may_ask(client, shopper, shop):
    assert_problem(client.get("/api/products/?stock_below=5"), 401, "not_authenticated")
    assert_problem(client.get("/api/products/?stock_below=5", headers=shopper), 403, "staff_only")


def test_it_is_never_stored_in_the_public_cache(app, client, staff, shop):
    from shop_common.redis import get_redis

    with app.app_context():
        redis = get_redis()
        before = set(redis.keys("*"))
        assert client.get("/api/products/?stock_below=5", headers=staff).status_code == 200
        assert set(redis.keys("*")) == before  # nothing stored


def test_the_low_variants_are_found_through_the_index(app, shop):
    from sqlalchemy import text

    from products.models import db

    with app.app_context():
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(text(
            "EXPLAIN SELECT product_id FROM variants WHERE stock < 5")))
        db.session.rollback()
    assert "ix_variants_stock" in plan
