"""The catalogue cache: the same answers as Postgres, stale never, and one computation per cold key."""

import time

import pytest

from shop_common.cache import cached
from shop_common.testing import concurrently


@pytest.fixture
def shop(category, product):
    category("Shirts")
    category("Shoes")
    product("Linen shirt", variants=[{"sku": "L-S", "label": "S", "price": "40.00", "stock": 2},
                                     {"sku": "L-M", "label": "M", "price": "35.00", "stock": 1}])
    product("Boots", category="shoes", variants=[{"sku": "B", "label": "42", "price": "80.00", "stock": 0}])


READS = ["/api/products/", "/api/products/?in_stock=true", "/api/products/?ordering=price&page_size=1",
         "/api/products/?search=shirt", "/api/products/linen-shirt/", "/api/categories/"]


def snapshot(client):
    return {path: client.get(path).get_json() for path in READS}


def test_answers_with_and_without_the_cache_are_the_same(client, uncached, shop):
    first = snapshot(client)  # fills the cache
    assert snapshot(client) == first  # from the cache
    assert snapshot(uncached) == first  # from Postgres alone


def test_every_kind_of_write_is_visible_at_once(client, uncached, shop, staff, service):
    snapshot(client)
    detail = client.get("/api/products/linen-shirt/").get_json()
    small, medium = (v["id"] for v in detail["variants"])

    client.patch(f"/api/products/linen-shirt/variants/{medium}/", headers=staff, json={"stock": 0})
    assert snapshot(client) == snapshot(uncached)
    client.post("/internal/reservations/", headers=service, json={"key": "o1", "lines": [
        {"variant_id": small, "quantity": 2}]})
    assert client.get("/api/products/linen-shirt/").get_json()["in_stock"] is False
    assert client.get("/api/products/?in_stock=true").get_json()["count"] == 0
    assert snapshot(client) == snapshot(uncached)
    client.post("/internal/reservations/o1/release/", headers=service)
    assert client.get("/api/products/?in_stock=true").get_json()["count"] == 1
    client.patch("/api/products/linen-shirt/", headers=staff, json={"name": "Flax shirt", "slug": "flax-shirt"})
    client.patch("/api/categories/shirts/", headers=staff, json={"name": "Tops"})
    client.patch(f"/api/products/linen-shirt/variants/{small}/", headers=staff, json={"price": "1.00"})
    client.post("/api/products/", headers=staff, json={"name": "Linen shirt", "category": "shoes", "variants": [
        {"sku": "NEW", "label": "One", "price": "5.00", "stock": 1}]})
    assert snapshot(client) == snapshot(uncached)
    assert client.get("/api/products/linen-shirt/").get_json()["category"]["slug"] == "shoes"
    assert client.get("/api/products/flax-shirt/").get_json()["category"]["name"] == "Tops"
    client.delete("/api/products/flax-shirt/", headers=staff)
    assert client.get("/api/products/flax-shirt/").status_code == 404
    assert snapshot(client) == snapshot(uncached)


def test_a_cold_key_is_computed_once_however_many_ask(app):
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return {"answer": 42}

    def ask(_):
        with app.app_context():
            return cached("shop:test:stampede", 60, slow)

    results = concurrently(20, ask, timeout=10)
    assert results == [{"answer": 42}] * 20 and len(calls) == 1


def test_with_redis_down_the_catalogue_still_answers(uncached, shop):
    assert uncached.get("/api/products/").get_json()["count"] == 2
    assert uncached.get("/api/products/boots/").status_code == 200
    assert uncached.get("/readyz").status_code == 503


def test_the_scripts_fill_every_key_template_as_python_does(app):
    """The Lua side of the hottest reads gets its key formats from `keys`: filled on the server, each
    template gives the very key Python makes."""
    import json
    from string import Formatter

    from products.catalogue import cache, keys
    from shop_common.redis import get_redis

    sample = {"listing": "3", "stock": "-", "digest": "0f" * 16, "product": "42", "version": "7",
              "slug": "linen-shirt-2", "ordering": "-price", "language": "ru"}
    fill = cache.KEY_LUA + "return key(ARGV[1], ARGV[2], cjson.decode(ARGV[3]))"
    templates = [value for name, value in vars(keys).items() if name.isupper()]
    assert {keys.LISTING, keys.STOCK, keys.PRODUCT, keys.LIST, keys.CARD, keys.DETAIL, keys.SLUG} <= set(templates)
    with app.test_request_context():
        for template in templates:
            fields = {name: sample[name] for _, name, _, _ in Formatter().parse(template) if name}
            on_server = get_redis().eval(fill, 0, cache.namespace(), template, json.dumps(fields))
            assert on_server == cache.key(template, **fields), template


def test_a_warm_page_and_detail_are_read_whole_in_one_round_trip(client, shop, monkeypatch):
    """Once Python has cached a page and a detail, the scripts find every part of them under the keys Python
    wrote: answering again needs no other cache read or write."""
    from products.catalogue import cache, queries

    reads = ["/api/products/", "/api/products/?in_stock=true", "/api/products/linen-shirt/"]
    warm = {path: client.get(path).get_data() for path in reads}
    assert {path: client.get(path).get_data() for path in reads} == warm

    def no_other_step(*args, **kwargs):
        raise AssertionError("a warm read missed in its script")

    for name in ("cached", "cached_json", "get_many", "set_many"):
        monkeypatch.setattr(queries, name, no_other_step)
    monkeypatch.setattr(cache, "versions", no_other_step)
    for path in reads:
        response = client.get(path)
        assert response.status_code == 200 and response.get_data() == warm[path], path
