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

The two hottest reads, a page of a list and a product's detail, read their counters and answers in one
round trip (`cached_page`, `cached_detail`: a Lua script follows the same keys on the server), instead of
one command per step; what they miss is computed as everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from shop_common.cache import forget
from shop_common.redis import REDIS_DOWN, get_redis


def namespace() -> str:
    """The prefix of this service's keys: the namespace of its database (`shop:products:<database>:`), so two
    catalogues sharing one Redis (a development stack and a benchmark, say) never mix."""
    return current_app.extensions["shop_cache_namespace"]


def key(*parts: object) -> str:
    """A key of this service's cache, in its namespace."""
    return namespace() + ":".join(map(str, parts))


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


# A page: the counters, the list's ids and count, and each product's counter and card.
_PAGE = """
local ns = ARGV[1]
local listing = redis.call('GET', ns .. 'v:listing') or '0'
local stock = '-'
if ARGV[3] == '1' then stock = redis.call('GET', ns .. 'v:stock') or '0' end
local listed = redis.call('GET', ns .. 'list:' .. listing .. ':' .. stock .. ':' .. ARGV[2])
if not listed then return {listing, stock} end
local reply = {listing, stock, listed}
for _, id in ipairs(cjson.decode(listed)['ids']) do
  local product = string.format('%d', id)
  local version = redis.call('GET', ns .. 'v:product:' .. product) or '0'
  table.insert(reply, version)
  table.insert(reply, redis.call('GET', ns .. 'card:' .. listing .. ':' .. product .. ':' .. version) or '')
end
return reply
"""
# A detail: the catalogue's counter, the slug's product, its counter and its detail.
_DETAIL = """
local ns = ARGV[1]
local listing = redis.call('GET', ns .. 'v:listing') or '0'
local id = redis.call('GET', ns .. 'slug:' .. listing .. ':' .. ARGV[2])
if not id or id == 'null' then return {listing, id or ''} end
local version = redis.call('GET', ns .. 'v:product:' .. id) or '0'
return {listing, id, version, redis.call('GET', ns .. 'detail:' .. listing .. ':' .. id .. ':' .. version) or ''}
"""


def _script(name: str, source: str):
    scripts = current_app.extensions.setdefault("products_scripts", {})
    if name not in scripts:  # EVALSHA, loading the script first when Redis does not know it yet
        scripts[name] = get_redis().register_script(source)
    return scripts[name]


def cached_page(digest: str, stock: bool) -> list[str] | None:
    """What the cache holds of a page, in one round trip: [listing, stock counter or "-"] when the list is not
    cached, else [listing, stock, the list's JSON, then each product's counter and card JSON ("" when not
    cached)]. None if Redis cannot be used."""
    try:
        return _script("page", _PAGE)(args=[namespace(), digest, "1" if stock else "0"])
    except REDIS_DOWN:
        return None


def cached_detail(slug: str) -> list[str] | None:
    """What the cache holds of a detail, in one round trip: [listing, product id JSON ("" when not cached),
    then, for a product, its counter and its detail JSON ("" when not cached)]. None if Redis cannot be used."""
    try:
        return _script("detail", _DETAIL)(args=[namespace(), slug])
    except REDIS_DOWN:
        return None


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
