"""What a list query selects and how it sorts: its WHERE conditions, its search, its orderings."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import false, func, select

from products.models import Category, Product

ORDER_BY = {
    "price": (Product.price, Product.id),
    "-price": (Product.price.desc(), Product.id.desc()),
    "name": (Product.name, Product.id),
    "-name": (Product.name.desc(), Product.id.desc()),
    "-created_at": (Product.created_at.desc(), Product.id.desc()),
}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def prefix_query(text: str) -> str | None:
    """A `to_tsquery` expression matching every word of `text` as a prefix ("lin shi" finds "linen shirt").

    Only letters and digits reach the query, so no input can make it malformed. None if no word is left.
    """
    words = _WORD.findall(text.lower())[:10]
    return " & ".join(f"{word}:*" for word in words) or None


def conditions(query: dict[str, Any]) -> tuple[list[Any], Any]:
    """The WHERE conditions of a list query, and the search rank (None without a search)."""
    conditions: list[Any] = []
    rank = None
    if slug := query.get("category"):
        conditions.append(Product.category_id == select(Category.id).where(Category.slug == slug)
                          .scalar_subquery())
    if (text := query.get("search")) is not None:
        tsquery = prefix_query(text)
        if tsquery is None:
            conditions.append(false())
        else:
            ts = func.to_tsquery("english", tsquery)
            conditions.append(Product.search.op("@@")(ts))
            rank = func.ts_rank(Product.search, ts)
    if "min_price" in query:
        conditions.append(Product.price >= query["min_price"])
    if "max_price" in query:
        conditions.append(Product.price <= query["max_price"])
    if "in_stock" in query:
        conditions.append(Product.stock > 0 if query["in_stock"] else Product.stock == 0)
    return conditions, rank
