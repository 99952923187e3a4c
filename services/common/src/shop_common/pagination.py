"""Page-numbered lists in Django REST framework's envelope: `{count, next, previous, results}`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request

from shop_common.errors import Problem
from shop_common.schemas import Int64, Schema

MAX_PAGE_SIZE = 100


class PageQuerySchema(Schema):
    """`page` (1..) and `page_size` (1..100) of a list; other query parameters are ignored, not refused
    (a cache-buster or tracking parameter is not an error)."""

    class Meta:
        unknown = ma.EXCLUDE

    page = Int64(strict=False, load_default=1)
    page_size = Int64(strict=False, maximum=MAX_PAGE_SIZE, load_default=20)


def check_page(query: dict[str, Any], count: int) -> None:
    """404 `page_not_found` for a page past the last (page 1 of an empty list exists)."""
    size, number = query["page_size"], query["page"]
    if number > 1 and (number - 1) * size >= count:
        last = max(1, -(-count // size))
        raise Problem(404, "page_not_found", f"There is no page {number}; the last is {last}.")


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)  # every value of a parameter given several times
    args["page"] = [str(page)]
    return f"{request.base_url}?{urlencode(args, doseq=True)}"


def envelope(query: dict[str, Any], count: int, results: list[Any]) -> dict[str, Any]:
    """The page's envelope, linking the pages around it with the request's own query."""
    number, size = query["page"], query["page_size"]
    return {
        "count": count,
        "next": _page_url(number + 1) if number * size < count else None,
        "previous": _page_url(number - 1) if number > 1 else None,
        "results": results,
    }


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The envelope's schema around `item`."""
    return Schema.from_dict({
        "count": ma.fields.Integer(),
        "next": ma.fields.String(allow_none=True),
        "previous": ma.fields.String(allow_none=True),
        "results": ma.fields.List(ma.fields.Nested(item)),
    }, name=name)
