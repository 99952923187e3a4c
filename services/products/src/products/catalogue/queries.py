"""Reading the catalogue, through the cache: a page, a product, the categories.

Answers are what the response schemas of `products.schemas` dump (`card`, `detail`), made once whether
they come from Postgres or from Redis, so the answer with and without the cache is the same, and is the
one its OpenAPI document declares. What the public
reads answer is their JSON text, as Redis keeps it: a page is its cards' texts joined inside the envelope,
so the hottest answers of the shop are never parsed, checked against a schema and encoded again on their
way out (that was two thirds of a cached page's cost).

Every answer is in the language of `products.translations.language()`, and cached under it: a card's, a detail's
and the categories' keys carry it, so one language's answer is never served for another. A staff member's read of
a product or a category (`staff_detail_text`, `category_text(..., staff=True)`) is the columns themselves with
their `translations`, from Postgres: what the back office edits.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import selectinload

from products import translations
from products.catalogue import cache, keys
from products.catalogue.filters import ORDER_BY, STOCKED, conditions, relevance, search, suggest
from products.models import Category, Product, ProductCount, Variant, db
from products.schemas import SLUG, CardSchema, CategorySchema, DetailSchema, VariantSchema
from shop_common.cache import cached, cached_json, encode, get_many, set_many
from shop_common.errors import Problem
from shop_common.language import DEFAULT, LANGUAGES
from shop_common.pagination import check_page, envelope
from shop_common.schemas import INT64_MAX

_CARD, _VARIANT = CardSchema(), VariantSchema()
_DETAIL, _STAFF_DETAIL = DetailSchema(exclude=("translations",)), DetailSchema()
#: what a product's detail shows beside its own row, loaded with it (a photo's renditions come along)
WHOLE = (selectinload(Product.variants), selectinload(Product.photos))
_CATEGORIES, _CATEGORY = CategorySchema(many=True, exclude=("translations",)), CategorySchema(exclude=("translations",))
_STAFF_CATEGORY = CategorySchema()


def card(product: Product) -> dict[str, Any]:
    return _CARD.dump(product)


def variant(v: Variant) -> dict[str, Any]:
    return _VARIANT.dump(v)


def detail(product: Product) -> dict[str, Any]:
    return _DETAIL.dump(product)


def detail_text(product: Product) -> str:
    """A product's detail as its JSON text, as `product` answers it (and the cache keeps it)."""
    return encode(detail(product))


def staff_detail_text(product: Product) -> str:
    """A product's detail as a staff member reads it: the columns (English) and `translations`."""
    with translations.speaking(DEFAULT):
        return encode(_STAFF_DETAIL.dump(product))


def etag(text: str, language: str | None = None) -> str:
    """The entity tag (unquoted) of an answer's JSON text in `language` (the answer's, by default): their
    digest, so it changes whenever anything the answer shows does (a sale's stock included, from whichever
    writer), and never otherwise, and differs between languages even where a translation is missing (the same
    text, but not the same `Content-Language`)."""
    language = language or translations.language()
    return hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()[:32]


def product_etags(product: Product) -> set[str]:
    """Every ETag the product's current version is read with: the staff's read, and the public detail in each
    language (what a staff change's If-Match may name)."""
    tags = {etag(staff_detail_text(product), DEFAULT)}
    for language in LANGUAGES:
        with translations.speaking(language):
            tags.add(etag(detail_text(product), language))
    return tags


def category_out(category: Category) -> dict[str, Any]:
    """One category as the API shows it, with the number of its products (and its translations, which only
    the staff's schema dumps)."""
    count = db.session.scalar(select(func.coalesce(func.sum(ProductCount.n), 0))
                              .where(ProductCount.category_id == category.id))
    return {"id": category.id, "name": category.name, "slug": category.slug,
            "description": category.description, "product_count": int(count),
            "translations": category.translations}


def category_text(category: Category, *, staff: bool = False) -> str:
    """One category's JSON text, as `category` answers it: in the answer's language, or (`staff`) as the staff
    read it, the columns with their translations."""
    if staff:
        with translations.speaking(DEFAULT):
            return encode(_STAFF_CATEGORY.dump(category_out(category)))
    return encode(_CATEGORY.dump(category_out(category)))


def category_etags(category: Category) -> set[str]:
    """Every ETag the category's current version is read with (see `product_etags`)."""
    tags = {etag(category_text(category, staff=True), DEFAULT)}
    for language in LANGUAGES:
        with translations.speaking(language):
            tags.add(etag(category_text(category), language))
    return tags


def category(slug: str, *, staff: bool = False) -> str:
    """The JSON of one category with the number of its products (`staff`: as the staff read it); 404
    `category_not_found`. From Postgres (two rows by index): its ETag is what a staff write's If-Match is
    compared with, so it must be current."""
    found = None
    if len(slug) <= 120 and SLUG.regex.fullmatch(slug):
        found = db.session.scalar(select(Category).where(Category.slug == slug))
    if found is None:
        raise Problem(404, "category_not_found", f"No category {slug[:100]!r}.")
    return category_text(found, staff=staff)


def _digest(query: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:32]


def by_stock(query: dict[str, Any]) -> bool:
    """Whether a list changes when a product sells out or comes back: it filters on that, or puts sold-out
    products last (newest first, the default, and relevance). Only sorts by price or name do not."""
    return "in_stock" in query or query.get("ordering", "-created_at") == "-created_at"


def _list_fields(query: dict[str, Any], listing: int, stock: int | str, digest: str) -> dict[str, Any]:
    """The fields of a list's key (`keys.LIST`): the stock counter only for lists that depend on it."""
    return {"listing": listing, "stock": stock if by_stock(query) else "-", "digest": digest}


def _filters_digest(query: dict[str, Any]) -> str:
    """The digest of the list without paging: what every page of one list shares (its anchors)."""
    return _digest({k: v for k, v in query.items() if k in FILTERS})


FILTERS = {"category", "search", "min_price", "max_price", "in_stock", "size", "color"}
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
        "-created_at": ((STOCKED, Product.created_at, Product.id), True)}
#: how an anchor's texts become sort keys again, by column (in stock first: STOCKED, a boolean)
_PARSE = {"price": Decimal, "created_at": datetime.fromisoformat, "name": str, "id": int,
          "stocked": lambda text: text == "True"}


def _key(column: Any) -> str:
    return getattr(column, "key", None) or "stocked"


def _anchors(where: list[Any], ordering: str) -> list[list[Any]]:
    """The sort key of every ANCHOR_EVERY-th product of this list (one index scan, then cached with it)."""
    columns, _ = SEEK[ordering]
    position = func.row_number().over(order_by=ORDER_BY[ordering]).label("position")
    ranked = select(*(c.label(_key(c)) for c in columns), position).where(*where).subquery()
    rows = db.session.execute(select(*(ranked.c[_key(c)] for c in columns))
                              .where(ranked.c.position % ANCHOR_EVERY == 0).order_by(ranked.c.position))
    return [[str(value) for value in row] for row in rows]


def _ids_and_count(query: dict[str, Any], anchors_fields: dict[str, Any]) -> dict[str, Any]:
    """The list's ids and count, and with a search its suggestion (null unless the search forgave typos and the
    catalogue's words say it differently)."""
    found = search(query["search"]) if query.get("search") is not None else None
    listed = _listed(query, anchors_fields, found)
    if found is not None:
        listed["suggestion"] = suggest(found.text) if found.fuzzy else None
    return listed


def _listed(query: dict[str, Any], anchors_fields: dict[str, Any], found: Any) -> dict[str, Any]:
    where, rank = conditions(query, found=found)
    size, page = query["page_size"], query["page"]
    offset = (page - 1) * size
    ordering = query.get("ordering")
    if ordering is None and rank is not None and offset <= INT64_MAX:
        # A search by relevance ranks every match: count them in the same pass. Each pass reads every match's
        # row (the rank needs its text), so two passes, one to count and one to rank, cost twice as much:
        # 340 ms instead of 190 for a word found 39,000 times in a million products.
        rows = db.session.execute(select(Product.id, func.count().over()).where(*where)
                                  .order_by(*relevance(rank)).limit(size).offset(offset)).all()
        if rows:
            return {"count": rows[0][1], "ids": [row[0] for row in rows]}
    count = _count(query, where)
    if offset >= count:  # past the end (and an offset beyond BIGINT would be an error)
        return {"count": count, "ids": []}
    if ordering is None and rank is not None:
        order = relevance(rank)
    else:
        ordering = ordering or "-created_at"
        order = ORDER_BY[ordering]
        if offset >= ANCHOR_EVERY:  # a deep page: seek from the nearest anchor, skip at most ANCHOR_EVERY rows
            # without Redis no anchors: making them each time would cost more than the offset they save
            anchors = cached(cache.key(keys.ANCHORS, **anchors_fields, ordering=ordering), cache.ttl(),
                             lambda: _anchors(where, ordering), unavailable=list)
            if passed := min(offset // ANCHOR_EVERY, len(anchors)):
                columns, downwards = SEEK[ordering]
                mark = [_PARSE[_key(c)](v) for c, v in zip(columns, anchors[passed - 1], strict=True)]
                sort_key, anchor = tuple_(*columns), tuple_(*mark)
                where = [*where, sort_key < anchor if downwards else sort_key > anchor]
                offset -= passed * ANCHOR_EVERY
    ids = list(db.session.scalars(select(Product.id).where(*where).order_by(*order).limit(size).offset(offset)))
    return {"count": count, "ids": ids}


def card_texts(ids: list[int], listing: int, versions: list[int] | None = None,
               found: list[str | None] | None = None) -> list[str]:
    """The JSON of these products' cards, in this order (deleted ones left out): from the cache, the missing
    ones from one query. `versions` and `found`: the products' counters and cached cards, already read."""
    ns, language = cache.namespace(), translations.language()
    if versions is None:
        versions = cache.versions(*(ns + keys.PRODUCT.format(product=i) for i in ids))
    card_keys = [ns + keys.CARD.format(listing=listing, language=language, product=i, version=v)
                 for i, v in zip(ids, versions, strict=True)]
    cards = dict(zip(ids, get_many(card_keys, raw=True) if found is None else found, strict=True))
    missing = [i for i, hit in cards.items() if not hit]
    if missing:
        made = {p.id: encode(card(p)) for p in db.session.scalars(select(Product).where(Product.id.in_(missing)))}
        cards.update(made)
        set_many({key: made[i] for i, key in zip(ids, card_keys, strict=True) if i in made}, cache.ttl(), raw=True)
    return [cards[i] for i in ids if cards.get(i)]


def page(query: dict[str, Any]) -> str:
    """The JSON of a page: the count of matching products, links to the pages around it and this page's
    cards; 404 `page_not_found` past the last page."""
    digest = _digest(query)
    held = cache.cached_page(digest, by_stock(query), translations.language()) or [0, 0]
    listing, stock = int(held[0]), held[1]
    if len(held) > 2:  # the list, and what there is of its cards
        listed = json.loads(held[2])
        check_page(query, listed["count"])
        cards = card_texts(listed["ids"], listing, [int(v) for v in held[3::2]], held[4::2])
    else:
        key = cache.key(keys.LIST, **_list_fields(query, listing, stock, digest))
        anchors_fields = _list_fields(query, listing, stock, _filters_digest(query))
        listed = cached(key, cache.ttl(), lambda: _ids_and_count(query, anchors_fields))
        check_page(query, listed["count"])
        cards = card_texts(listed["ids"], listing)
    around = envelope(query, listed["count"], [])
    del around["results"]
    if "suggestion" in listed:
        around["suggestion"] = listed["suggestion"]
    return f'{json.dumps(around, separators=(",", ":"))[:-1]},"results":[{",".join(cards)}]}}'


def low_stock_page(query: dict[str, Any]) -> str:
    """The JSON of a page of the staff's low-stock list (`stock_below`): the products with a variant whose stock
    is below it, each card with those variants (`low_variants`, fewest first); the other filters and orderings
    as in `page`. Read from Postgres alone: what staff see is never stored in, nor served from, the public
    cache (and it must be current). `ix_variants_stock` finds the few low variants without a scan."""
    below = query["stock_below"]
    where, rank = conditions(query)
    where = [*where, select(Variant.id).where(Variant.product_id == Product.id, Variant.stock < below).exists()]
    count = db.session.scalar(select(func.count()).select_from(Product).where(*where))
    check_page(query, count)
    ordering = query.get("ordering")
    order = relevance(rank) if ordering is None and rank is not None else \
        ORDER_BY[ordering or "-created_at"]
    size = query["page_size"]
    found = list(db.session.scalars(select(Product).where(*where).order_by(*order).limit(size)
                                    .offset((query["page"] - 1) * size)))
    low: dict[int, list[dict[str, Any]]] = {p.id: [] for p in found}
    for v in db.session.scalars(select(Variant).where(Variant.product_id.in_(list(low)), Variant.stock < below)
                                .order_by(Variant.stock, Variant.id)):
        low[v.product_id].append(variant(v))
    return encode(envelope(query, count, [{**card(p), "low_variants": low[p.id]} for p in found]))


def product(slug: str) -> str:
    """The JSON of a product's detail, by slug; 404 `product_not_found`."""
    if len(slug) > 220 or not SLUG.regex.fullmatch(slug):  # cannot exist: not worth a query, nor a cache entry
        raise Problem(404, "product_not_found", f"No product {slug[:100]!r}.")
    language = translations.language()
    held = cache.cached_detail(slug, language) or [0, ""]
    listing = int(held[0])
    if held[1]:
        product_id = json.loads(held[1])
    else:
        product_id = cached(cache.slug_key(listing, slug), cache.ttl(), lambda: db.session.scalar(
            select(Product.id).where(Product.slug == slug)))
    if product_id is None:
        raise Problem(404, "product_not_found", f"No product {slug[:100]!r}.")
    if len(held) > 2:
        version = int(held[2])
        if held[3]:
            return _checked(held[3], product_id, slug)
    else:
        (version,) = cache.versions(cache.product_version(product_id))

    def load() -> dict[str, Any] | None:
        found = db.session.scalar(select(Product).where(Product.id == product_id)
                                  .options(*WHOLE))
        return None if found is None else detail(found)  # as detail_text

    key = cache.key(keys.DETAIL, listing=listing, language=language, product=product_id, version=version)
    return _checked(cached_json(key, cache.ttl(), load), product_id, slug)


def staff_product(slug: str) -> str:
    """The JSON of a product's detail as a staff member reads it (`staff_detail_text`), from Postgres: never
    cached, and current, since its ETag is what their next change's If-Match names; 404 `product_not_found`."""
    found = None
    if len(slug) <= 220 and SLUG.regex.fullmatch(slug):
        found = db.session.scalar(select(Product).where(Product.slug == slug).options(*WHOLE))
    if found is None:
        raise Problem(404, "product_not_found", f"No product {slug[:100]!r}.")
    return staff_detail_text(found)


def _checked(answer: str, product_id: int, slug: str) -> str:
    # deleted, or renamed since the slug was looked up? (a detail begins {"id":N,"slug":"...",...; no slug
    # needs escaping)
    if not answer.startswith(f'{{"id":{product_id},"slug":"{slug}",'):
        raise Problem(404, "product_not_found", f"No product {slug[:100]!r}.")
    return answer


def categories() -> str:
    """The JSON of every category with the number of its products, by name (in the answer's language)."""
    (listing,) = cache.versions(cache.listing_counter())

    def load() -> list[dict[str, Any]]:
        counts = (select(ProductCount.category_id, func.sum(ProductCount.n).label("n"))
                  .group_by(ProductCount.category_id).subquery())
        rows = db.session.execute(select(Category.id, Category.name, Category.slug, Category.description,
                                         Category.translations,
                                         func.coalesce(counts.c.n, 0).label("product_count"))
                                  .outerjoin(counts, counts.c.category_id == Category.id).order_by(Category.name))
        dumped = _CATEGORIES.dump(rows)
        # by name in the answer's language (a handful of rows): Postgres sorted the English ones
        return dumped if translations.language() == DEFAULT else sorted(dumped, key=lambda c: c["name"].casefold())

    return cached_json(cache.key(keys.CATEGORIES, listing=listing, language=translations.language()), cache.ttl(),
                       load)
