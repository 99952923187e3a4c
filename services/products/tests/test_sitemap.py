"""The sitemap: every product and category page of the storefront, by the sitemaps.org protocol, from the
catalogue; an index of numbered files once the pages are more than one file may hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from products import sitemap

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def protocol(response, root: str) -> list[tuple[str, str | None]]:
    """The (loc, lastmod) pairs of a sitemap answer, checked against the protocol on the way: its content type,
    the namespace and root element, at most 50,000 entries, each with one absolute `loc` of the shop's origin
    under 2,048 characters, nothing but loc and lastmod, lastmod a W3C datetime with its time zone."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    document = ET.fromstring(response.get_data())  # noqa: S314 (the answer of our own service)
    assert document.tag == NS + root
    entry = "url" if root == "urlset" else "sitemap"
    entries = list(document)
    assert 0 < len(entries) <= 50_000
    found = []
    for item in entries:
        assert item.tag == NS + entry
        assert {child.tag for child in item} <= {NS + "loc", NS + "lastmod"}
        (loc,) = item.findall(NS + "loc")
        parts = urlsplit(loc.text)
        assert f"{parts.scheme}://{parts.netloc}" == "http://localhost:8000" and len(loc.text) < 2048
        lastmod = item.findtext(NS + "lastmod")
        if lastmod is not None:
            assert datetime.fromisoformat(lastmod).tzinfo is not None
        found.append((loc.text, lastmod))
    return found


@pytest.fixture
def shop(category, product):
    """Two categories, one of them empty, and three products."""
    category("Shirts")
    category("Hats")
    return [product(name)["slug"] for name in ("Linen Shirt", "Oxford Shirt", "Denim Shirt")]


def test_the_sitemap_lists_every_product_and_category_page(client, shop):
    urls = dict(protocol(client.get("/sitemap.xml"), "urlset"))
    assert set(urls) == {"http://localhost:8000/", "http://localhost:8000/?category=hats",
                         "http://localhost:8000/?category=shirts",
                         *(f"http://localhost:8000/products/{slug}" for slug in shop)}
    products = [urls[f"http://localhost:8000/products/{slug}"] for slug in shop]
    assert all(products) and urls["http://localhost:8000/"] == max(products)
    assert urls["http://localhost:8000/?category=shirts"] == max(products)
    assert urls["http://localhost:8000/?category=hats"] is None  # no product, nothing to date it by


def test_a_change_to_the_catalogue_is_in_the_sitemap_at_once(client, shop, staff):
    client.get("/sitemap.xml")  # cached
    assert client.delete(f"/api/products/{shop[0]}/", headers=staff).status_code == 204
    renamed = client.patch(f"/api/products/{shop[1]}/", json={"slug": "oxford-shirt-blue"}, headers=staff)
    assert renamed.status_code == 200, renamed.get_json()
    urls = dict(protocol(client.get("/sitemap.xml"), "urlset"))
    assert f"http://localhost:8000/products/{shop[0]}" not in urls
    assert f"http://localhost:8000/products/{shop[1]}" not in urls
    assert "http://localhost:8000/products/oxford-shirt-blue" in urls


def test_the_sitemap_answers_a_matching_etag_with_304(client, shop):
    first = client.get("/sitemap.xml")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get("/sitemap.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()


def test_numbered_files_are_404_while_the_sitemap_is_one_file(client, shop):
    for number in (0, 1, 2, 99):
        response = client.get(f"/sitemap-{number}.xml")
        assert response.status_code == 404
        assert response.get_json()["code"] == "sitemap_not_found"


def test_a_catalogue_over_one_file_is_an_index_of_numbered_files_each_within_the_limit(client, category, product,
                                                                                      monkeypatch):
    monkeypatch.setattr(sitemap, "URLS_PER_FILE", 3)
    category("Shirts")
    slugs = [product(f"Shirt {n}")["slug"] for n in range(7)]
    files = dict(protocol(client.get("/sitemap.xml"), "sitemapindex"))
    assert "http://localhost:8000/sitemap-1.xml" in files and len(files) >= 4  # pages, then 7 ids in blocks of 3
    pages: list[str] = []
    for loc, lastmod in files.items():
        urls = protocol(client.get(urlsplit(loc).path), "urlset")
        assert len(urls) <= 3
        if loc.endswith("/sitemap-1.xml"):
            assert lastmod is not None
        else:  # a file's lastmod is the newest of its pages'
            assert lastmod == max(changed for _, changed in urls)
        pages += [url for url, _ in urls]
    assert sorted(pages) == sorted(["http://localhost:8000/", "http://localhost:8000/?category=shirts",
                                    *(f"http://localhost:8000/products/{slug}" for slug in slugs)])
    listed = {int(urlsplit(loc).path.removeprefix("/sitemap-").removesuffix(".xml")) for loc in files}
    unlisted = max(listed) + 1
    assert client.get(f"/sitemap-{unlisted}.xml").get_json()["code"] == "sitemap_not_found"


def test_the_sitemap_is_made_when_redis_is_away(uncached, client, shop):
    urls = dict(protocol(uncached.get("/sitemap.xml"), "urlset"))
    assert len(urls) == 3 + 3
