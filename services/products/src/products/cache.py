"""What the catalogue keeps in Redis, and how a change makes it stale.

Keys carry versions instead of being deleted, so a reader that computed from the database just before
a write can never store its old answer under a key that is read afterwards:

- `list:{L}:-:{q}` and `list:{L}:{S}:{q}` (queries filtering on `in_stock`), where `L` is bumped by
  every staff change (what lists contain, how they sort, what cards say) and `S` by every stock change;
- `card:{L}:{id}:{v}` and `detail:{L}:{id}:{v}`, where `v` is the product's own counter, bumped by every
  change to it, its stock included;
- `categories:{L}` and `slug:{L}:{slug}` -> id.

A stock change therefore costs one counter per product and one for in-stock lists; lists that do not
filter on stock stay cached through any number of checkouts.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from shop_common.cache import forget
from shop_common.redis import REDIS_DOWN, get_redis


def key(*parts: object) -> str:
    """A key of this service's cache, in the namespace of its database (`shop:products:<database>:...`), so
    two catalogues sharing one Redis (a development stack and a benchmark, say) never mix."""
    return current_app.extensions["shop_cache_namespace"] + ":".join(map(str, parts))


def listing_counter() -> str:
    return key("v", "listing")


def stock_counter() -> str:
    return key("v", "stock")


def product_version(product_id: int) -> str:
    return key("v", "product", product_id)


def slug_key(listing: int, slug: str) -> str:
    """Slug -> id, under the catalogue version: every create, rename or delete bumps it, so an answer read
    before one of those (a "no such product" included) is never read after it."""
    return key("slug", listing, slug)


def ttl() -> int:
    return current_app.config["SHOP"]["CACHE_TTL"]


def versions(*counters: str) -> list[int]:
    """The current values of these counters, 0 for unset ones, all 0 if Redis cannot be used."""
    try:
        return [int(v or 0) for v in get_redis().mget(counters)]
    except REDIS_DOWN:
        return [0] * len(counters)


def changed(product_ids: Iterable[int], *, listing: bool = False, stock: bool = True) -> None:
    """Call after committing a change to these products (`listing`: a staff change, which may move them in
    lists, rename them or change their slugs and cards)."""
    products = [product_version(p) for p in product_ids]
    shared = [listing_counter()] * listing + [stock_counter()] * stock
    forget([], products + shared)
    try:  # a product's counter need only outlive what was cached under its older values
        pipe = get_redis().pipeline(transaction=False)
        for counter in products:
            pipe.expire(counter, 4 * ttl())
        pipe.execute()
    except REDIS_DOWN:
        pass
