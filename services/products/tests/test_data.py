"""The data commands: `seed-demo` (the demo catalogue and its pictures) and `load-synthetic N`."""

import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from products.models import db
from shop_common.testing import assert_problem

SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
CLOTHES = {"shirts-tops", "knitwear", "trousers-jeans", "outerwear"}
MISMATCHED_FIGURES = """
    SELECT count(*) FROM products p JOIN (
        SELECT product_id, min(price) AS price, max(price) AS price_max, sum(stock) AS stock, count(*) AS n,
               ARRAY(SELECT DISTINCT t FROM variants w, unnest(ARRAY['size:' || (w.attributes ->> 'size'),
                                                                     'color:' || (w.attributes ->> 'color')]) t
                     WHERE w.product_id = variants.product_id AND t IS NOT NULL ORDER BY t) AS facets
        FROM variants GROUP BY product_id
    ) v ON v.product_id = p.id
    WHERE p.price <> v.price OR p.stock <> v.stock OR p.price_max <> v.price_max OR p.facets <> v.facets"""


def run(app, *args):
    """Run a `shop-products` command; return its output (failing the test if the command failed)."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def sql(app, query, **params):
    with app.app_context():
        rows = db.session.execute(text(query), params).all()
        db.session.rollback()
    return rows


def snapshot(app):
    """Every row the data commands write, in order, as the database holds them."""
    return (sql(app, "SELECT * FROM categories ORDER BY id"),
            sql(app, "SELECT id, name, slug, description, attributes, images, category_id, created_at, updated_at, "
                     "price, stock FROM products ORDER BY id"),
            sql(app, "SELECT * FROM variants ORDER BY id"),
            sql(app, "SELECT id, product_id, position, width, height, created_at FROM photos ORDER BY id"),
            sql(app, "SELECT cover FROM products ORDER BY id"))


def all_cards(client, query=""):
    """Every card of a listing, following `next` from page 1."""
    cards, url = [], f"/api/products/?page_size=100{query}"
    while url:
        body = client.get(url).get_json()
        cards += body["results"]
        url = body["next"] and "{0.path}?{0.query}".format(urlsplit(body["next"]))
    return cards


@pytest.fixture
def seeded(app, client):
    """The demo catalogue, seeded through the command; the details of all its products."""
    assert "added 8 categories and 45 products" in run(app, "seed-demo")
    return [client.get(f"/api/products/{card['slug']}/").get_json() for card in all_cards(client)]


# -- seed-demo -------------------------------------------------------------------------------------------

def test_the_demo_catalogue_is_a_believable_shop(client, seeded):
    categories = client.get("/api/categories/").get_json()
    assert len(categories) >= 6 and all(c["product_count"] >= 5 for c in categories)
    assert len(seeded) >= 40
    assert len({p["name"] for p in seeded}) == len(seeded)
    for product in seeded:
        assert len(product["description"]) > 80 and product["attributes"]["brand"], product["name"]
        assert product["attributes"].get("material") or product["category"]["slug"] == "paper-desk"
        assert 1 <= len(product["images"]) <= 3
        prices = [Decimal(v["price"]) for v in product["variants"]]
        assert Decimal(product["price"]) == min(prices), product["name"]
        assert product["stock"] == sum(v["stock"] for v in product["variants"]), product["name"]
        assert product["in_stock"] == (product["stock"] > 0)
    clothes = [p for p in seeded if p["category"]["slug"] in CLOTHES]
    assert len(clothes) >= 15
    for product in clothes:
        for variant in product["variants"]:
            size, colour = variant["attributes"]["size"], variant["attributes"]["color"]
            assert variant["label"] == f"{size} / {colour}"
    assert any(len({v["attributes"]["color"] for v in p["variants"]}) >= 2 for p in clothes)
    few_left = [p for p in seeded if 1 <= p["stock"] <= 5]
    sold_out = [p for p in seeded if p["stock"] == 0]
    assert len(few_left) >= 3 and len(sold_out) >= 3
    assert all(v["stock"] == 0 and not v["in_stock"] for p in sold_out for v in p["variants"])
    assert any(len({v["price"] for v in p["variants"]}) > 1 for p in seeded), "some sizes cost more"


def test_seeding_again_changes_nothing_and_says_so(app, seeded):
    before = snapshot(app)
    output = run(app, "seed-demo")
    assert "nothing to do" in output and "8 categories and 45 products" in output
    assert snapshot(app) == before


def test_seeding_again_leaves_staff_changes_alone_and_puts_back_what_was_deleted(app, client, staff, seeded):
    linen = client.patch("/api/products/linen-camp-collar-shirt/", json={"name": "Linen Shirt"}, headers=staff)
    assert linen.status_code == 200
    assert client.delete("/api/products/stoneware-mug/", headers=staff).status_code == 204
    output = run(app, "seed-demo")
    assert "added 0 categories and 1 product" in output and "44 products were there already" in output
    assert client.get("/api/products/linen-camp-collar-shirt/").get_json()["name"] == "Linen Shirt"
    assert client.get("/api/products/stoneware-mug/").status_code == 200


CYRILLIC = re.compile("[\u0430-\u044f\u0451]", re.IGNORECASE)
#: values that read the same in Russian: sizes, numbers, a brand's name
UNTRANSLATED = re.compile(r"^(XS|S|M|L|XL|XXL|\d+)$")


def test_the_demo_catalogue_is_in_russian_too(client, seeded):
    ru = {"Accept-Language": "ru"}
    categories = client.get("/api/categories/", headers=ru).get_json()
    assert all(CYRILLIC.search(c["name"]) and CYRILLIC.search(c["description"]) for c in categories), categories
    for english in seeded:
        product = client.get(f"/api/products/{english['slug']}/", headers=ru).get_json()
        assert CYRILLIC.search(product["name"]) and CYRILLIC.search(product["description"]), english["name"]
        assert product["name"] != english["name"] and CYRILLIC.search(product["category"]["name"])
        for name, value in product["attributes"].items():
            assert name == "brand" or CYRILLIC.search(value) or UNTRANSLATED.match(value), (english["name"], value)
        assert product["attributes"]["brand"] == english["attributes"]["brand"]
        for variant in product["variants"]:
            for value in variant["attributes"].values():
                assert CYRILLIC.search(value) or UNTRANSLATED.match(value), (english["name"], value)
            parts = variant["label"].split(" / ")
            assert all(CYRILLIC.search(part) or UNTRANSLATED.match(part) for part in parts), variant["label"]
    english = {p["slug"]: p["name"] for p in seeded}
    cards = all_cards(client)
    assert [c["slug"] for c in cards] == [p["slug"] for p in seeded]  # the same list, in the same order
    assert all(english[c["slug"]] == c["name"] for c in cards)


def test_seeding_gives_demo_products_without_translations_the_demos(app, client, staff, seeded):
    cleared = client.patch("/api/products/stoneware-mug/", json={"translations": {}}, headers=staff)
    assert cleared.status_code == 200
    client.patch("/api/categories/home-kitchen/", json={"translations": {}}, headers=staff)
    client.patch("/api/products/breton-stripe-top/", json={"translations": {"ru": {"name": "Тельняшка"}}},
                 headers=staff)
    assert client.get("/api/products/stoneware-mug/", headers={"Accept-Language": "ru"}).get_json()["name"] == \
        "Stoneware Mug"
    output = run(app, "seed-demo")
    assert "translations of 2 categories or products" in output
    mug = client.get("/api/products/stoneware-mug/", headers={"Accept-Language": "ru"}).get_json()
    assert (mug["name"], mug["category"]["name"]) == ("Керамическая кружка", "Дом и кухня")
    assert mug["attributes"]["capacity"] == "350 мл"
    # what staff wrote is theirs
    assert client.get("/api/products/breton-stripe-top/", headers={"Accept-Language": "ru"}).get_json()["name"] == \
        "Тельняшка"
    assert "nothing to do" in run(app, "seed-demo")


def test_every_demo_picture_is_an_svg_served_by_the_shop(client, seeded):
    drawn = [p for p in seeded if not p["photos"]]
    urls = {url for product in drawn for url in product["images"]}
    assert len(urls) == sum(len(p["images"]) for p in drawn), "no two products share a picture"
    for url in urls:
        assert url.startswith("/api/products/images/") and url.endswith(".svg")
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "image/svg+xml"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=604800" in response.headers["Cache-Control"]
        assert ET.fromstring(response.data).tag == SVG_ROOT  # noqa: S314 (our own output)
    card = client.get("/api/products/?page_size=1").get_json()["results"][0]
    first = client.get(card["image"])
    again = client.get(card["image"], headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_a_few_demo_products_show_photos_made_here_uploaded_as_staff_would(app, client, staff, seeded):
    from PIL import Image

    from products.demo.seed import demo_photos, photo_bytes

    shown = {p["slug"]: p for p in seeded if p["photos"]}
    assert set(shown) == set(demo_photos()) and 3 <= len(shown) <= 4
    cards = {c["slug"]: c for c in all_cards(client)}
    assert sum(c["image_sizes"] is not None for c in cards.values()) == len(shown)
    for slug, product in shown.items():
        (photo,) = product["photos"]
        assert (photo["width"], photo["height"]) == (800, 600) and product["images"] == [photo["url"]]
        assert cards[slug]["image"] == photo["url"] and cards[slug]["image_sizes"] == photo["sizes"]
        small = client.get(photo["sizes"]["400"])
        assert small.mimetype == "image/webp" and Image.open(io.BytesIO(small.data)).size == (400, 300)
        (name,) = demo_photos()[slug]
        assert len(photo_bytes(name)) <= 60 * 1024 and photo_bytes(name)[:3] == b"\xff\xd8\xff"  # a JPEG
    # a second run adds none; one whose photo staff deleted gets it back, as a deleted product comes back
    slug = next(iter(shown))
    photo_id = shown[slug]["photos"][0]["id"]
    assert client.delete(f"/api/products/{slug}/images/{photo_id}/", headers=staff).status_code == 204
    assert "1 photo" in run(app, "seed-demo")
    assert len(client.get(f"/api/products/{slug}/").get_json()["photos"]) == 1
    assert "nothing to do" in run(app, "seed-demo")


def test_pictures_are_served_once_stored_and_the_data_commands_store_those_a_database_lacks(app, client):
    run(app, "load-synthetic", "20")
    run(app, "seed-demo")
    images = [card["image"] for card in all_cards(client) if not card["image_sizes"]]  # the drawn ones
    assert all(client.get(image).status_code == 200 for image in images)
    with app.app_context():  # as a database holds them that was filled before pictures were stored
        db.session.execute(text("DELETE FROM pictures"))
        db.session.commit()
    for image in images:
        assert_problem(client.get(image), 404, "image_not_found")
    assert "nothing to add" in run(app, "load-synthetic", "20", "--up-to")
    assert "nothing to do" in run(app, "seed-demo")
    assert all(client.get(image).status_code == 200 for image in images)


@pytest.mark.parametrize("name", [
    "unknown.svg", "../x", "..%2Fx", "..%2F..%2Fetc%2Fpasswd", "x.svg%00", "%00", "a" * 3000, "a" * 3000 + ".svg",
    "OXFORD-BUTTON-DOWN-SHIRT-1.svg", "oxford-button-down-shirt-1.svg.png", "oxford-button-down-shirt-4.svg",
    ".svg", "-x.svg", "x--y.svg", "oxford button.svg", "%C3%BC.svg",
])
def test_unknown_or_malformed_picture_names_are_404_problems(client, name):
    assert_problem(client.get(f"/api/products/images/{name}"), 404)


def test_a_well_formed_unknown_picture_name_is_image_not_found(client):
    assert_problem(client.get("/api/products/images/no-such-picture.svg"), 404, "image_not_found")
    assert_problem(client.get("/api/products/images/" + "a" * 3000), 404, "image_not_found")


# -- load-synthetic --------------------------------------------------------------------------------------

def test_load_synthetic_adds_exactly_n_products_with_right_figures(app, client):
    output = run(app, "load-synthetic", "2000", "--batch", "300", "--jobs", "2")
    assert "loaded 2,000 products" in output and "VACUUM ANALYZE" in output
    [(products, variants, categories)] = sql(app, "SELECT (SELECT count(*) FROM products), "
                                                  "(SELECT count(*) FROM variants), (SELECT count(*) FROM categories)")
    assert products == 2000 and 2000 <= variants <= 8000 and categories == 8  # demo categories, made first
    assert f"{variants:,} variants" in output
    assert sql(app, MISMATCHED_FIGURES) == [(0,)]
    [(fewest, most)] = sql(app, "SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM variants GROUP BY product_id) c")
    assert (fewest, most) == (1, 4)
    [(sold_out, few_left, cheapest, dearest, days, categories_used)] = sql(app, """
        SELECT count(*) FILTER (WHERE stock = 0), count(*) FILTER (WHERE stock BETWEEN 1 AND 5), min(price),
               max(price), extract(day FROM max(created_at) - min(created_at)), count(DISTINCT category_id)
        FROM products""")
    assert sold_out > 50 and few_left > 50 and cheapest < 20 < 200 < dearest
    assert days > 365 and categories_used == 8
    assert sql(app, "SELECT count(*) FROM variants WHERE product_id NOT IN (SELECT id FROM products)") == [(0,)]


def test_load_synthetic_can_run_again_and_only_adds(app):
    run(app, "seed-demo")
    run(app, "load-synthetic", "700", "--batch", "250")
    before = snapshot(app)
    run(app, "load-synthetic", "500", "--jobs", "1")
    after = snapshot(app)
    assert len(after[1]) == 45 + 700 + 500 and after[1][:len(before[1])] == before[1]
    assert sql(app, MISMATCHED_FIGURES) == [(0,)]
    # ids come from the identity's sequence, so the API's next insert does not collide with them
    [(next_id,)] = sql(app, "SELECT nextval(pg_get_serial_sequence('products', 'id'))")
    assert next_id > max(row.id for row in after[1])


def test_synthetic_products_can_be_searched_filtered_and_paged(app, client):
    run(app, "seed-demo")
    # cached now, and the load makes no category: it must make these answers stale itself
    assert client.get("/api/products/").get_json()["count"] == 45
    assert sum(c["product_count"] for c in client.get("/api/categories/").get_json()) == 45
    run(app, "load-synthetic", "2000")
    assert client.get("/api/products/").get_json()["count"] == 2045
    assert sum(c["product_count"] for c in client.get("/api/categories/").get_json()) == 2045
    found = client.get("/api/products/?search=shirt&page_size=100").get_json()
    assert 0 < found["count"] < 2045
    for card in found["results"]:
        detail = client.get(f"/api/products/{card['slug']}/").get_json()
        assert "shirt" in (detail["name"] + " " + detail["description"]).lower()
    assert client.get("/api/products/?search=lamb").get_json()["count"] > 0, "prefixes match"
    footwear = all_cards(client, "&category=footwear&ordering=price")
    assert len(footwear) == client.get("/api/products/?category=footwear").get_json()["count"] > 100
    assert len({card["id"] for card in footwear}) == len(footwear)
    assert [Decimal(card["price"]) for card in footwear] == sorted(Decimal(card["price"]) for card in footwear)
    assert {card["category"]["slug"] for card in footwear} == {"footwear"}
    assert client.get(footwear[0]["image"]).mimetype == "image/svg+xml"
    page = client.get("/api/products/?page=3&page_size=50").get_json()
    assert len(page["results"]) == 50 and "page=4" in page["next"] and "page=2" in page["previous"]


def test_load_synthetic_up_to_a_total_adds_only_what_is_missing(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["load-synthetic", "300", "--up-to"]).exit_code == 0
    again = runner.invoke(args=["load-synthetic", "300", "--up-to"])
    assert again.exit_code == 0 and "300 products already" in again.output
    assert runner.invoke(args=["load-synthetic", "350", "--up-to"]).exit_code == 0
    from products.models import Product, db

    with app.app_context():
        assert db.session.query(Product).count() == 350
