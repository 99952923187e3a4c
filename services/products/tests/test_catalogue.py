"""The public catalogue: the envelope, every filter and ordering, paging, detail and categories."""

from urllib.parse import parse_qs, urlsplit

import pytest

from shop_common.testing import assert_problem


@pytest.fixture
def shop(category, product):
    """A small catalogue: 2 categories, 5 products, prices 5..80, one sold out, one with three sizes."""
    category("Shirts")
    category("Shoes", description="For your feet")
    made = {
        "linen": product("Linen shirt", description="A light summer shirt", images=["/img/linen.svg", "/img/b.svg"],
                         attributes={"material": "linen"}, variants=[
                             {"sku": f"LIN-{size}", "label": size, "attributes": {"size": size}, "price": price,
                              "stock": stock}
                             for size, price, stock in (("S", "40.00", 2), ("M", "35.00", 0), ("L", "45.00", 1))]),
        "oxford": product("Oxford shirt", description="Button-down cotton",
                          variants=[{"sku": "OX", "label": "One", "price": "55.50", "stock": 9}]),
        "tee": product("Plain tee", description="Everyday basic",
                       variants=[{"sku": "TEE", "label": "One", "price": "5.00", "stock": 0}]),
        "boots": product("Hiking boots", category="shoes", description="Waterproof leather",
                         variants=[{"sku": "BOOT", "label": "42", "price": "80.00", "stock": 3}]),
        "sneakers": product("Canvas sneakers", category="shoes", description="Shirt-friendly",
                            variants=[{"sku": "SNK", "label": "41", "price": "25.00", "stock": 4}]),
    }
    return made


def names(response):
    assert response.status_code == 200, response.get_json()
    return [card["name"] for card in response.get_json()["results"]]


def test_the_list_is_a_drf_envelope_of_cards_newest_first(client, shop):
    body = client.get("/api/products/").get_json()
    assert body["count"] == 5 and body["next"] is None and body["previous"] is None
    # newest first, the sold-out tee after every buyable product
    assert [c["name"] for c in body["results"]] == ["Canvas sneakers", "Hiking boots", "Oxford shirt", "Linen shirt",
                                                    "Plain tee"]
    linen = body["results"][-2]
    assert linen == {"id": shop["linen"]["id"], "slug": "linen-shirt", "name": "Linen shirt", "price": "35.00",
                     "price_max": "45.00", "currency": "USD", "image": "/img/linen.svg", "image_sizes": None,
                     "category": {"slug": "shirts", "name": "Shirts"}, "in_stock": True, "stock": 3}
    tee = body["results"][-1]
    assert (tee["in_stock"], tee["stock"], tee["image"]) == (False, 0, None)


def test_pages_link_to_each_other_keeping_the_filters(client, shop):
    first = client.get("/api/products/?page_size=2&category=shirts&ordering=price").get_json()
    assert first["count"] == 3 and [c["name"] for c in first["results"]] == ["Plain tee", "Linen shirt"]
    assert first["previous"] is None
    link = urlsplit(first["next"])
    assert link.path == "/api/products/"
    assert parse_qs(link.query) == {"page": ["2"], "page_size": ["2"], "category": ["shirts"], "ordering": ["price"]}
    second = client.get(f"{link.path}?{link.query}").get_json()
    assert [c["name"] for c in second["results"]] == ["Oxford shirt"]
    assert second["next"] is None and parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]


def test_a_page_past_the_last_is_404_but_page_one_of_nothing_is_empty(client, shop):
    assert_problem(client.get("/api/products/?page=2"), 404, "page_not_found")
    assert_problem(client.get("/api/products/?page=9223372036854775807"), 404, "page_not_found")
    empty = client.get("/api/products/?category=nothing-here").get_json()
    assert empty == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("query, expected", [
    ("category=shoes", {"Hiking boots", "Canvas sneakers"}),
    ("min_price=30", {"Linen shirt", "Oxford shirt", "Hiking boots"}),
    ("max_price=25", {"Plain tee", "Canvas sneakers"}),
    ("min_price=25&max_price=55.50", {"Linen shirt", "Oxford shirt", "Canvas sneakers"}),
    ("in_stock=true", {"Linen shirt", "Oxford shirt", "Hiking boots", "Canvas sneakers"}),
    ("in_stock=false", {"Plain tee"}),
    ("category=shirts&in_stock=true&max_price=50", {"Linen shirt"}),
])
def test_each_filter_narrows_the_list(client, shop, query, expected):
    response = client.get(f"/api/products/?{query}")
    assert set(names(response)) == expected
    assert response.get_json()["count"] == len(expected)


@pytest.mark.parametrize("ordering, expected", [
    ("price", ["Plain tee", "Canvas sneakers", "Linen shirt", "Oxford shirt", "Hiking boots"]),
    ("-price", ["Hiking boots", "Oxford shirt", "Linen shirt", "Canvas sneakers", "Plain tee"]),
    ("name", ["Canvas sneakers", "Hiking boots", "Linen shirt", "Oxford shirt", "Plain tee"]),
    ("-name", ["Plain tee", "Oxford shirt", "Linen shirt", "Hiking boots", "Canvas sneakers"]),
    ("-created_at", ["Canvas sneakers", "Hiking boots", "Oxford shirt", "Linen shirt", "Plain tee"]),  # sold out last
])
def test_every_ordering(client, shop, ordering, expected):
    assert names(client.get(f"/api/products/?ordering={ordering}")) == expected


@pytest.mark.parametrize("search, expected", [
    ("shirt", {"Linen shirt", "Oxford shirt", "Canvas sneakers"}),  # name, and description ("Shirt-friendly")
    ("shi", {"Linen shirt", "Oxford shirt", "Canvas sneakers"}),  # a prefix finds the word
    ("SHIRTS", {"Linen shirt", "Oxford shirt", "Canvas sneakers"}),  # case and plural
    ("lin shi", {"Linen shirt"}),  # every word must match
    ("waterproof", {"Hiking boots"}),
    ("cotton button", {"Oxford shirt"}),
    ("zebra", set()),
    ("!!! ::: &&", set()),  # nothing searchable: nothing found, no error
])
def test_search_finds_words_and_prefixes_in_name_and_description(client, shop, search, expected):
    assert set(names(client.get("/api/products/", query_string={"search": search}))) == expected


def test_a_search_is_ordered_by_relevance_unless_an_ordering_is_asked(client, shop):
    # "shirt" in the name weighs more than in the description
    assert names(client.get("/api/products/?search=shirt"))[-1] == "Canvas sneakers"
    assert names(client.get("/api/products/?search=shirt&ordering=price")) == [
        "Canvas sneakers", "Linen shirt", "Oxford shirt"]


def test_the_detail_has_description_attributes_images_and_variants(client, shop):
    body = client.get("/api/products/linen-shirt/").get_json()
    assert body["description"] == "A light summer shirt" and body["attributes"] == {"material": "linen"}
    assert body["images"] == ["/img/linen.svg", "/img/b.svg"]
    assert [(v["label"], v["price"], v["stock"], v["in_stock"], v["attributes"]) for v in body["variants"]] == [
        ("S", "40.00", 2, True, {"size": "S"}), ("M", "35.00", 0, False, {"size": "M"}),
        ("L", "45.00", 1, True, {"size": "L"})]
    assert body["stock"] == 3 and body["price"] == "35.00"
    assert {v["sku"] for v in body["variants"]} == {"LIN-S", "LIN-M", "LIN-L"}


@pytest.mark.parametrize("slug", ["no-such-product", "x" * 3000, "LINEN-SHIRT"])
def test_an_unknown_slug_is_404_product_not_found(client, shop, slug):
    assert_problem(client.get(f"/api/products/{slug}/"), 404, "product_not_found")


def test_categories_come_with_their_product_counts(client, shop, category):
    category("Hats")
    assert client.get("/api/categories/").get_json() == [
        {"id": 3, "name": "Hats", "slug": "hats", "description": "", "product_count": 0},
        {"id": 1, "name": "Shirts", "slug": "shirts", "description": "", "product_count": 3},
        {"id": 2, "name": "Shoes", "slug": "shoes", "description": "For your feet", "product_count": 2},
    ]


def test_the_openapi_document_is_valid_and_hides_nothing(client):
    from openapi_spec_validator import validate

    spec = client.get("/openapi.json").get_json()
    validate(spec)
    assert {"/api/products/", "/api/products/{slug}/", "/api/products/{slug}/variants/",
            "/api/products/{slug}/variants/{variant_id}/", "/api/categories/", "/api/categories/{slug}/",
            "/internal/stock/", "/internal/reservations/"} <= set(spec["paths"])
    assert spec["paths"]["/internal/reservations/"]["post"]["security"] == [{"serviceToken": []}]
    assert spec["paths"]["/api/products/"]["post"]["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize("query", ["", "ordering=price", "ordering=-price", "ordering=name", "ordering=-name",
                                   "category=shirts", "in_stock=true&ordering=-name", "min_price=20&ordering=price"])
def test_deep_pages_seeking_from_anchors_equal_plain_offsets(client, uncached, monkeypatch, category,
                                                             product, query):
    from products.catalogue import queries

    category("Shirts")
    category("Shoes")
    for n in range(23):  # ties on price and name too, so the id must break them the same way
        product(f"Item {n % 5}", category="shirts" if n % 3 else "shoes",
                variants=[{"sku": f"I{n}", "label": "One", "price": str(10 + n % 4 * 5), "stock": n % 2}])
    monkeypatch.setattr(queries, "ANCHOR_EVERY", 3)
    for page in range(1, 12):
        url = f"/api/products/?page_size=2&page={page}&{query}"
        seek, plain = client.get(url), uncached.get(url)
        assert seek.status_code == plain.status_code
        if plain.status_code == 200:
            assert [c["id"] for c in seek.get_json()["results"]] == [c["id"] for c in plain.get_json()["results"]]
