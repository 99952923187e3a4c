"""The storefront's sitemap (sitemaps.org protocol 0.9): every product page and every category's catalogue page.

A sitemap file holds at most 50,000 URLs. A catalogue that fits is one file, `/sitemap.xml`; a larger one is a
sitemap index there, naming numbered files: `/sitemap-1.xml` the catalogue's own pages (the first page and each
category's), then one file per block of 50,000 product ids (`/sitemap-2.xml` holds ids 0..49,999, and so on;
blocks without products are left out). A file is then one range of the primary key, read at once, whatever the
catalogue's size: no answer holds more than 50,000 URLs, and none costs more than such a range.

What the index needs (the products and newest change per block and per category) is one grouped scan, kept in
the catalogue's cache under its counter (every staff change makes it stale at once; a stock change within
`SHOP_CACHE_TTL`). URLs start with the shop's public URL (`SHOP_SHOP_URL`), never with a host a request names.

The storefront's addresses are its router's (frontend/src/router/paths.json: `/products/:slug`) and its
catalogue's query (frontend/src/composables/catalogueQuery.js: `/?category=<slug>`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any
from xml.sax.saxutils import escape

from flask import current_app
from sqlalchemy import func, select

from products.catalogue import cache, keys
from products.models import Category, Product, db
from shop_common.cache import cached
from shop_common.errors import Problem

#: the protocol's ceiling of URLs in one file (and of files in one index)
URLS_PER_FILE = 50_000
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
CONTENT_TYPE = "application/xml; charset=utf-8"
#: the file of the catalogue's own pages, when there is an index
PAGES_FILE = 1


def origin() -> str:
    """The shop's public URL, without a trailing slash: every URL of the sitemap starts with it."""
    return current_app.config["SHOP"]["SHOP_URL"].rstrip("/")


def _w3c(column):
    """A timestamp column as the protocol's W3C Datetime, made by Postgres (to the second, in UTC): text read
    as it is, instead of 50,000 datetimes parsed and formatted again."""
    return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')


def _summary() -> dict[str, Any]:
    """Per block of ids: its products and newest change; per category: its slug and newest change. One scan
    of the products, grouped by both."""
    (listing,) = cache.versions(cache.listing_counter())

    def load() -> dict[str, Any]:
        block = (Product.id // URLS_PER_FILE).label("block")
        groups = db.session.execute(select(Product.category_id, block, func.count(), func.max(Product.updated_at))
                                    .group_by(Product.category_id, block)).all()
        slugs = db.session.execute(select(Category.id, Category.slug).order_by(Category.slug)).all()
        blocks: dict[int, list] = {}
        changed: dict[int, Any] = {}
        for category, number, n, at in groups:
            entry = blocks.setdefault(int(number), [0, at])
            entry[0] += n
            entry[1] = max(entry[1], at)
            changed[category] = max(changed.get(category, at), at)
        stamp = lambda at: at and at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731 (as _w3c)
        return {"blocks": [[b, n, stamp(at)] for b, (n, at) in sorted(blocks.items())],
                "categories": [[slug, stamp(changed.get(id_))] for id_, slug in slugs]}

    return cached(cache.key(keys.SITEMAP, listing=listing), cache.ttl(), load)


def _newest(stamps: Iterable[str | None]) -> str | None:
    return max((s for s in stamps if s), default=None)


def _url(loc: str, lastmod: str | None) -> str:
    changed = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{changed}</url>\n"


def _urlset(urls: Iterable[str]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NAMESPACE}">\n'
    yield from urls
    yield "</urlset>\n"


def _pages(summary: dict[str, Any]) -> Iterator[str]:
    """The catalogue's own pages: its first page (newest change of any product) and each category's."""
    base = origin()
    yield _url(f"{base}/", _newest(at for _, _, at in summary["blocks"]))
    for slug, changed in summary["categories"]:
        yield _url(f"{base}/?category={slug}", changed)


def _products(block: int | None = None) -> Iterator[str]:
    """Every product page (or those of one block of ids), by id."""
    base = origin()
    query = select(Product.slug, _w3c(Product.updated_at)).order_by(Product.id)
    if block is not None:
        query = query.where(Product.id >= block * URLS_PER_FILE, Product.id < (block + 1) * URLS_PER_FILE)
    rows = db.session.execute(query).all()
    prefix = escape(f"{base}/products/")
    # slugs are letters, digits and dashes (products.schemas.SLUG): nothing in them to escape
    for slug, changed in rows:
        yield f"<url><loc>{prefix}{slug}</loc><lastmod>{changed}</lastmod></url>\n"


def _fits(summary: dict[str, Any]) -> bool:
    pages = 1 + len(summary["categories"])
    return pages + sum(n for _, n, _ in summary["blocks"]) <= URLS_PER_FILE


def root() -> str:
    """`/sitemap.xml`: every URL when they fit in one file, else the index of the numbered files."""
    summary = _summary()
    if _fits(summary):
        return "".join(_urlset([*_pages(summary), *_products()]))
    base = origin()
    files = [(PAGES_FILE, _newest(at for _, at in summary["categories"]))]
    files += [(PAGES_FILE + 1 + block, at) for block, _, at in summary["blocks"]]
    entries = "".join(f"<sitemap><loc>{base}/sitemap-{number}.xml</loc>"
                      + (f"<lastmod>{at}</lastmod>" if at else "") + "</sitemap>\n" for number, at in files)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NAMESPACE}">\n{entries}</sitemapindex>\n'


def numbered(number: int) -> str:
    """`/sitemap-<number>.xml`, a file the index names; 404 `sitemap_not_found` for any other number (and for
    all of them while the catalogue fits in `/sitemap.xml` alone)."""
    summary = _summary()
    blocks = {block for block, _, _ in summary["blocks"]}
    if _fits(summary) or (number != PAGES_FILE and number - PAGES_FILE - 1 not in blocks):
        raise Problem(404, "sitemap_not_found", f"No sitemap file {number}; /sitemap.xml names those there are.")
    if number == PAGES_FILE:
        return "".join(_urlset(_pages(summary)))
    return "".join(_urlset(_products(number - PAGES_FILE - 1)))

