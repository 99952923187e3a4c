"""`product_counts`, kept by triggers, always equals counting the products themselves."""

import pytest
from sqlalchemy import text


def true_counts(app):
    from products.models import db

    with app.app_context():
        kept = dict(((c, s), n) for c, s, n in db.session.execute(text(
            "SELECT category_id, in_stock, n FROM product_counts WHERE n <> 0")))
        counted = dict(((c, s), n) for c, s, n in db.session.execute(text(
            "SELECT category_id, stock > 0, count(*) FROM products GROUP BY 1, 2")))
        db.session.remove()
    return kept, counted


@pytest.fixture
def two_categories(category, product):
    category("Shirts")
    category("Shoes")
    for n in range(3):
        product(f"Shirt {n}", variants=[{"sku": f"S{n}", "label": "One", "price": "10", "stock": n}])
    product("Boots", category="shoes", variants=[{"sku": "B", "label": "42", "price": "80", "stock": 1}])


def test_counts_follow_every_kind_of_change(app, client, staff, service, two_categories):
    kept, counted = true_counts(app)
    assert kept == counted and sum(counted.values()) == 4
    boots = client.get("/api/products/boots/").get_json()["variants"][0]["id"]
    client.post("/internal/reservations/", headers=service, json={"key": "k", "lines": [
        {"variant_id": boots, "quantity": 1}]})  # boots sell out
    assert true_counts(app)[0] == true_counts(app)[1]
    client.post("/internal/reservations/k/release/", headers=service)
    client.patch("/api/products/shirt-1/", headers=staff, json={"category": "shoes"})
    client.delete("/api/products/shirt-2/", headers=staff)
    kept, counted = true_counts(app)
    assert kept == counted and sum(counted.values()) == 3


def test_the_list_count_uses_them_and_agrees_with_counting(client, two_categories):
    for query, expected in [("", 4), ("?category=shirts", 3), ("?in_stock=true", 3), ("?in_stock=false", 1),
                            ("?category=shirts&in_stock=false", 1), ("?category=nothing", 0),
                            ("?min_price=50", 1), ("?search=shirt&in_stock=true", 2)]:
        body = client.get(f"/api/products/{query}").get_json()
        assert body["count"] == expected == len(body["results"]), query


def test_the_synthetic_loader_keeps_the_counts_too(app, two_categories):
    result = app.test_cli_runner().invoke(args=["load-synthetic", "500", "--batch", "200"])
    assert result.exit_code == 0, result.output
    kept, counted = true_counts(app)
    assert kept == counted and sum(counted.values()) == 504
