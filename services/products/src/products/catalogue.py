"""Reading the catalogue, through the cache: a page, a product, the categories.

Answers are plain dicts in the shapes of CONTRACT.md, made here once (`card`, `detail`) whether they
come from Postgres or from Redis, so the answer with and without the cache is the same.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import selectinload

from products import cache
from products.models import Category, Product, ProductCount, Variant, db
from products.schemas import SLUG
from products.service import ORDER_BY, conditions
from shop_common.cache import cached, get_many, set_many
from shop_common.errors import Problem
from shop_common.pagination import check_page


def card(product: Product) -> dict[str, Any]:
    return {"id": product.id, "slug": product.slug, "name": product.name, "price": str(product.price),
            "currency": current_app.config["SHOP"]["CURRENCY"],
            "image": product.images[0] if product.images else None,
            "category": {"slug": product.category.slug, "name": product.category.name},
            "in_stock": product.stock > 0, "stock": product.stock}


def variant(v: Variant) -> dict[str, Any]:
    return {"id": v.id, "sku": v.sku, "label": v.label, "attributes": v.attributes, "price": str(v.price),
            "stock": v.stock, "in_stock": v.stock > 0}


def detail(product: Product) -> dict[str, Any]:
    return {**card(product), "description": product.description, "attributes": product.attributes,
            "images": product.images, "variants": [variant(v) for v in product.variants]}


def _filters_key(key: str, query: dict[str, Any]) -> str:
    """The list's key without paging: what every page of one list shares (its anchors)."""
    filters = {k: v for k, v in query.items() if k in FILTERS}
    return key.rsplit(":", 1)[0] + ":" + hashlib.sha256(json.dumps(filters, sort_keys=True, default=str)
                                                        .encode()).hexdigest()[:32]


def _query_key(query: dict[str, Any]) -> str:
    listing, stock = cache.versions(cache.listing_counter(), cache.stock_counter())
    normal = json.dumps(query, sort_keys=True, default=str)
    digest = hashlib.sha256(normal.encode()).hexdigest()[:32]
    return cache.key("list", listing, stock if "in_stock" in query else "-", digest)


FILTERS = {"category", "search", "min_price", "max_price", "in_stock"}
COUNTED = {"category", "in_stock"}  # filters whose counts product_counts keeps


def _count(query: dict[str, Any], where: list[Any]) -> int:
    """How many products match: from `product_counts` (a few rows) when the filters allow, else counted."""
    if FILTERS & query.keys() <= COUNTED:
        stmt = select(func.coalesce(func.sum(ProductCount.n), 0))
        if slug := query.get("category"):
            stmt = stmt.where(ProductCount.category_id == select(Category.id).where(Category.slug == slug)
                              .scalar_subquery())
        if "in_stock" in query:
            stmt = stmt.where(ProductCount.in_stock == query["in_stock"])
        return int(db.session.scalar(stmt))
    return db.session.scalar(select(func.count()).select_from(Product).where(*where))


#: a deep page starts from the nearest of these bookmarks instead of skipping every row before it
ANCHOR_EVERY = 5000
#: ordering -> the sort columns and whether they run downwards (both columns the same way)
SEEK = {"price": ((Product.price, Product.id), False), "-price": ((Product.price, Product.id), True),
        "name": ((Product.name, Product.id), False), "-name": ((Product.name, Product.id), True),
        "-created_at": ((Product.created_at, Product.id), True)}
_PARSE = {"price": Decimal, "created_at": datetime.fromisoformat, "name": str, "id": int}


def _anchors(where: list[Any], ordering: str) -> list[list[Any]]:
    """The sort key of every ANCHOR_EVERY-th product of this list (one index scan, then cached with it)."""
    columns, _ = SEEK[ordering]
    position = func.row_number().over(order_by=ORDER_BY[ordering]).label("position")
    ranked = select(*columns, position).where(*where).subquery()
    rows = db.session.execute(select(*(ranked.c[c.key] for c in columns))
                              .where(ranked.c.position % ANCHOR_EVERY == 0).order_by(ranked.c.position))
    return [[str(value) for value in row] for row in rows]


def _ids_and_count(query: dict[str, Any], key: str) -> dict[str, Any]:
    where, rank = conditions(query)
    count = _count(query, where)
    size, page = query["page_size"], query["page"]
    offset = (page - 1) * size
    if offset >= count:  # past the end (and an offset beyond BIGINT would be an error)
        return {"count": count, "ids": []}
    ordering = query.get("ordering")
    if ordering is None and rank is not None:
        order = (rank.desc(), Product.id.desc())
    else:
        ordering = ordering or "-created_at"
        order = ORDER_BY[ordering]
        if offset >= ANCHOR_EVERY:  # a deep page: seek from the nearest anchor, skip at most ANCHOR_EVERY rows
            # without Redis no anchors: making them each time would cost more than the offset they save
            anchors = cached(f"{key}:anchors:{ordering}", cache.ttl(), lambda: _anchors(where, ordering),
                             unavailable=list)
            if passed := min(offset // ANCHOR_EVERY, len(anchors)):
                columns, downwards = SEEK[ordering]
                mark = [_PARSE[c.key](v) for c, v in zip(columns, anchors[passed - 1], strict=True)]
                sort_key, anchor = tuple_(*columns), tuple_(*mark)
                where = [*where, sort_key < anchor if downwards else sort_key > anchor]
                offset -= passed * ANCHOR_EVERY
    ids = list(db.session.scalars(select(Product.id).where(*where).order_by(*order).limit(size).offset(offset)))
    return {"count": count, "ids": ids}


def cards(ids: list[int]) -> list[dict[str, Any]]:
    """The cards of these products, in this order: from the cache, the missing ones from one query."""
    listing, *versions = cache.versions(cache.listing_counter(), *(cache.product_version(i) for i in ids))
    keys = [cache.key("card", listing, i, v) for i, v in zip(ids, versions, strict=True)]
    found = dict(zip(ids, get_many(keys), strict=True))
    missing = [i for i, hit in found.items() if hit is None]
    if missing:
        made = {p.id: card(p) for p in db.session.scalars(select(Product).where(Product.id.in_(missing)))}
        found.update(made)
        set_many({key: made[i] for i, key in zip(ids, keys, strict=True) if i in made}, cache.ttl())
    return [found[i] for i in ids if found.get(i) is not None]


def page(query: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """The count of matching products and this page's cards; 404 `page_not_found` past the last page."""
    key = _query_key(query)
    listed = cached(key, cache.ttl(), lambda: _ids_and_count(query, _filters_key(key, query)))
    check_page(query, listed["count"])
    return listed["count"], cards(listed["ids"])


def product(slug: str) -> dict[str, Any]:
    """A product's detail by slug; 404 `product_not_found`."""
    if len(slug) > 220 or not SLUG.regex.fullmatch(slug):  # cannot exist: not worth a query, nor a cache entry
        raise Problem(404, "product_not_found", f"No product {slug[:100]!r}.")
    (listing,) = cache.versions(cache.listing_counter())
    product_id = cached(cache.slug_key(listing, slug), cache.ttl(), lambda: db.session.scalar(
        select(Product.id).where(Product.slug == slug)))
    if product_id is None:
        raise Problem(404, "product_not_found", f"No product {slug[:100]!r}.")
    (version,) = cache.versions(cache.product_version(product_id))

    def load() -> dict[str, Any] | None:
        found = db.session.scalar(select(Product).where(Product.id == product_id)
                                  .options(selectinload(Product.variants)))
        return None if found is None else detail(found)

    answer = cached(cache.key("detail", listing, product_id, version), cache.ttl(), load)
    if answer is None or answer["slug"] != slug:  # deleted or renamed since the slug was looked up
        raise Problem(404, "product_not_found", f"No product {slug[:100]!r}.")
    return answer


def categories() -> list[dict[str, Any]]:
    """Every category with the number of its products, by name."""
    (listing,) = cache.versions(cache.listing_counter())

    def load() -> list[dict[str, Any]]:
        counts = (select(ProductCount.category_id, func.sum(ProductCount.n).label("n"))
                  .group_by(ProductCount.category_id).subquery())
        rows = db.session.execute(select(Category, func.coalesce(counts.c.n, 0))
                                  .outerjoin(counts, counts.c.category_id == Category.id).order_by(Category.name))
        return [{"id": c.id, "name": c.name, "slug": c.slug, "description": c.description,
                 "product_count": int(n)} for c, n in rows]

    return cached(cache.key("categories", listing), cache.ttl(), load)
