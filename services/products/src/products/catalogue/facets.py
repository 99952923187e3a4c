"""A list's facets: how many of its products each category, size, colour, price range and stock state has.

Each facet is counted with every filter of the list applied but its own (choosing another size shows what it
would give). The facets of the catalogue, of a category, of a stock state or both (where shoppers land) are read
from the count tables the triggers keep (`product_counts`, `facet_counts`): a few hundred rows at any size.
Any other list's are counted over its matching products: the facets whose own filter is not set share
one set of conditions, so that takes one scan for those plus one per facet filtered on. Category, price range
and stock state come out of one GROUP BY GROUPING SETS; sizes and colours out of the products' `facets` tags
(one row per product, never a join over the variants). Answers are cached like lists, under the catalogue's
and the stock counters (a product selling out moves it between the stock states), in the request's language.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal_column, select, text, tuple_

from products.catalogue import cache, keys
from products.catalogue.filters import STOCKED, conditions, search
from products.models import FACET_ATTRIBUTES, PRICE_EDGES, Category, FacetCount, Product, ProductCount, db
from products.schemas import FacetsSchema
from shop_common import language
from shop_common.cache import cached_json

CENT = Decimal("0.01")
#: facet -> the list's filters it leaves out when counting itself
OWN = {"category": ("category",), "size": ("size",), "color": ("color",), "price": ("min_price", "max_price"),
       "in_stock": ("in_stock",)}
FILTERS = {name for names in OWN.values() for name in names} | {"search"}
#: sizes that are words, in the order of a size chart; numbers after them, by value; anything else by name
SIZE_ORDER = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "Small", "Medium", "Large", "Extra Large")
#: a label is looked up in this many products of its value at most (any of them has it when it is translated)
_LABEL_FROM = 500
_SCHEMA = FacetsSchema()
_BUCKET = func.width_bucket(Product.price, literal_column(f"ARRAY[{','.join(map(str, PRICE_EDGES))}]::numeric[]"))


def facets(query: dict[str, Any]) -> str:
    """The JSON of the facets of the list these filters make (FacetsSchema), through the cache."""
    filters = {k: v for k, v in query.items() if k in FILTERS}
    listing, stock = cache.versions(cache.listing_counter(), cache.stock_counter())
    lang = language.current()
    digest = hashlib.sha256(json.dumps(filters, sort_keys=True, default=str).encode()).hexdigest()[:32]
    key = cache.key(keys.FACETS, listing=listing, stock=stock, language=lang, digest=digest)
    return cached_json(key, cache.ttl(), lambda: _SCHEMA.dump(count(filters, lang)))


def count(query: dict[str, Any], lang: str) -> dict[str, Any]:
    """Every facet of the list of these filters, its labels in `lang` (from Postgres)."""
    counted = _kept_counts(query) if query.keys() <= COUNTED else _scanned_counts(query)
    return {"category": _categories(counted["category"], lang),
            "size": _values("size", counted["size"], lang), "color": _values("color", counted["color"], lang),
            "price": _prices(counted["price"]),
            "in_stock": {"true": counted["in_stock"].get(True, 0), "false": counted["in_stock"].get(False, 0)}}


#: filters whose facets the count tables answer (`product_counts`, `facet_counts`)
COUNTED = {"category", "in_stock"}


def _kept_counts(query: dict[str, Any]) -> dict[str, dict[Any, int]]:
    """The facets of a list filtered at most by category and stock, from the count tables (a few hundred rows)."""
    category = (select(Category.id).where(Category.slug == query["category"]).scalar_subquery()
                if "category" in query else None)

    def where(table, *leave_out):
        return [*([table.category_id == category] if category is not None and "category" not in leave_out else []),
                *([table.in_stock == query["in_stock"]] if "in_stock" in query and "in_stock" not in leave_out
                  else [])]

    def grouped(column, table, *leave_out):
        rows = db.session.execute(select(column, func.sum(table.n)).where(*where(table, *leave_out), table.n > 0)
                                  .group_by(column))
        return {value: int(n) for value, n in rows}

    counted: dict[str, dict[Any, int]] = {
        "category": grouped(ProductCount.category_id, ProductCount, "category"),
        "in_stock": grouped(ProductCount.in_stock, ProductCount, "in_stock"),
        "price": {}, **{attribute: {} for attribute in FACET_ATTRIBUTES}}
    for facet, n in grouped(FacetCount.facet, FacetCount).items():
        kind, _, value = facet.partition(":")
        if kind == "price":
            counted["price"][int(value)] = n
        elif kind in counted:
            counted[kind][value] = n
    return counted


def _scanned_counts(query: dict[str, Any]) -> dict[str, dict[Any, int]]:
    """The facets of any list, counted over its products (one scan per facet filtered on, and one for the rest)."""
    found = search(query["search"]) if query.get("search") is not None else None
    groups: dict[frozenset[str], list[str]] = {}
    for facet, own in OWN.items():
        groups.setdefault(frozenset([facet]) if query.keys() & set(own) else frozenset(), []).append(facet)
    counted: dict[str, Any] = {}
    for leave_out, wanted in groups.items():
        where, _ = conditions(query, leave_out=leave_out, found=found)
        counted.update(_counts(where, wanted))
    return counted


def _counts(where: list[Any], wanted: list[str]) -> dict[str, dict[Any, int]]:
    """The counts of these facets over the products matching `where`: facet -> value -> products."""
    counted: dict[str, dict[Any, int]] = {}
    columns = {"category": Product.category_id, "price": _BUCKET, "in_stock": STOCKED}
    grouped = [facet for facet in wanted if facet in columns]
    if grouped:
        chosen = [columns[facet] for facet in grouped]
        rows = db.session.execute(select(*chosen, func.count()).where(*where)
                                  .group_by(func.grouping_sets(*(tuple_(column) for column in chosen))))
        counted.update({facet: {} for facet in grouped})
        for row in rows:  # each row is one grouping set's: its own column set, the others null
            for facet, value in zip(grouped, row[:-1], strict=True):
                if value is not None:
                    counted[facet][value] = row[-1]
    tagged = [facet for facet in wanted if facet in FACET_ATTRIBUTES]
    if tagged:
        tag = func.unnest(Product.facets).label("tag")
        counted.update({facet: {} for facet in tagged})
        for value, n in db.session.execute(select(tag, func.count()).where(*where).group_by(literal_column("tag"))):
            attribute, _, value = value.partition(":")
            if attribute in counted and attribute in tagged:
                counted[attribute][value] = n
    return counted


def _categories(counts: dict[int, int], lang: str) -> list[dict[str, Any]]:
    rows = db.session.execute(select(Category.id, Category.slug, Category.name, Category.translations)
                              .where(Category.id.in_(list(counts)))) if counts else []
    out = [{"slug": row.slug, "name": (row.translations or {}).get(lang, {}).get("name") or row.name,
            "count": counts[row.id]} for row in rows]
    return sorted(out, key=lambda c: (c["name"].casefold(), c["slug"]))


def _labels(attribute: str, values: list[str], lang: str) -> dict[str, str]:
    """Value -> its label in `lang`, from the translations (`values`) of products that have it; the value
    itself where none has one, and always in the catalogue's own language."""
    if lang == language.DEFAULT or not values:
        return {}
    rows = db.session.execute(text("""
        SELECT v, (SELECT p.translations -> :lang -> 'values' ->> v
                   FROM (SELECT translations FROM products WHERE facets @> ARRAY[:attribute || ':' || v]
                         LIMIT :limit) AS p
                   WHERE p.translations -> :lang -> 'values' ? v LIMIT 1)
        FROM unnest(CAST(:values AS text[])) AS v"""),
                              {"lang": lang, "attribute": attribute, "values": values, "limit": _LABEL_FROM})
    return {value: label for value, label in rows if label}


def _size_key(value: str) -> tuple[int, float, str]:
    if value in SIZE_ORDER:
        return (0, SIZE_ORDER.index(value), "")
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return (1, float(value), "")
    return (2, 0, value.casefold())


def _values(attribute: str, counts: dict[str, int], lang: str) -> list[dict[str, Any]]:
    labels = _labels(attribute, list(counts), lang)
    out = [{"value": value, "label": labels.get(value, value), "count": n} for value, n in counts.items()]
    if attribute == "size":
        return sorted(out, key=lambda v: _size_key(v["value"]))
    return sorted(out, key=lambda v: (v["label"].casefold(), v["value"]))


def _prices(counts: dict[int, int]) -> list[dict[str, Any]]:
    edges = (0, *PRICE_EDGES)
    return [{"min": Decimal(low).quantize(CENT),
             "max": Decimal(edges[i + 1]) - CENT if i + 1 < len(edges) else None,
             "count": counts.get(i, 0)} for i, low in enumerate(edges)]
