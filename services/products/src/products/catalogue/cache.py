"""What the catalogue keeps in Redis, and how a change makes it stale.

Keys carry versions instead of being deleted, so a reader that computed from the database just before
a write can never store its old answer under a key that is read afterwards. Every key (its format is in
`keys`, and nowhere else) is under the catalogue's counter, bumped by every staff change (what lists
contain, how they sort, what cards say); lists that filter on `in_stock` are under the stock counter too,
bumped by every stock change; a product's card and detail are under its own counter, bumped by every change
to it, its stock included; a slug maps to its product's id.

A stock change therefore costs one counter per product and one for in-stock lists; lists that do not
filter on stock stay cached through any number of checkouts.

The two hottest reads, a page of a list and a product's detail, read their counters and answers in one
round trip (`cached_page`, `cached_detail`: a Lua script follows the same keys on the server, given their
templates from `keys` in ARGV), instead of one command per step; what they miss is computed as everywhere
else.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from products.catalogue import keys
from shop_common.cache import forget
from shop_common.redis import REDIS_DOWN, get_redis


def namespace() -> str:
    """The prefix of this service's keys: the namespace of its database (`shop:products:<database>:`), so two
    catalogues sharing one Redis (a development stack and a benchmark, say) never mix."""
    return current_app.extensions["shop_cache_namespace"]


def key(template: str, **fields: object) -> str:
    """A key of this service's cache, in its namespace: one of the templates of `keys`, filled in."""
    return namespace() + template.format(**fields)


def listing_counter() -> str:
    return key(keys.LISTING)


def stock_counter() -> str:
    return key(keys.STOCK)


def product_version(product_id: int) -> str:
    return key(keys.PRODUCT, product=product_id)


def slug_key(listing: int, slug: str) -> str:
    """Slug -> id, under the catalogue version: every create, rename or delete bumps it, so an answer read
    before one of those (a "no such product" included) is never read after it."""
    return key(keys.SLUG, listing=listing, slug=slug)


# `key(ns, template, fields)`: Python's `key` on the server, for the scripts below. gsub puts each field's
# text in as it is (a table replacement is never read as a pattern), as str.format does.
KEY_LUA = """
local function key(ns, template, fields)
  return ns .. (string.gsub(template, '{(%a+)}', fields))
end
"""
# A page: the counters, the list's ids and count, and each product's counter and card.
# ARGV: namespace, digest, "1" if the list filters on stock, the language, then the templates of _PAGE_KEYS.
_PAGE_KEYS = (keys.LISTING, keys.STOCK, keys.LIST, keys.PRODUCT, keys.CARD)
_PAGE = KEY_LUA + """
local ns, digest, by_stock, language = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4]
local LISTING, STOCK, LIST, PRODUCT, CARD = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local listing = redis.call('GET', key(ns, LISTING, {})) or '0'
local stock = '-'
if by_stock then stock = redis.call('GET', key(ns, STOCK, {})) or '0' end
local listed = redis.call('GET', key(ns, LIST, {listing = listing, stock = stock, digest = digest}))
if not listed then return {listing, stock} end
local reply = {listing, stock, listed}
for _, id in ipairs(cjson.decode(listed)['ids']) do
  local product = string.format('%d', id)
  local version = redis.call('GET', key(ns, PRODUCT, {product = product})) or '0'
  table.insert(reply, version)
  table.insert(reply, redis.call('GET', key(ns, CARD, {listing = listing, language = language, product = product,
                                                     version = version})) or '')
end
return reply
"""
# A detail: the catalogue's counter, the slug's product, its counter and its detail.
# ARGV: namespace, slug, the language, then the templates of _DETAIL_KEYS.
_DETAIL_KEYS = (keys.LISTING, keys.SLUG, keys.PRODUCT, keys.DETAIL)
_DETAIL = KEY_LUA + """
local ns, slug, language = ARGV[1], ARGV[2], ARGV[3]
local LISTING, SLUG, PRODUCT, DETAIL = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local listing = redis.call('GET', key(ns, LISTING, {})) or '0'
local id = redis.call('GET', key(ns, SLUG, {listing = listing, slug = slug}))
if not id or id == 'null' then return {listing, id or ''} end
local version = redis.call('GET', key(ns, PRODUCT, {product = id})) or '0'
return {listing, id, version,
        redis.call('GET', key(ns, DETAIL, {listing = listing, language = language, product = id, version = version}))
        or ''}
"""


def _script(name: str, source: str):
    scripts = current_app.extensions.setdefault("products_scripts", {})
    if name not in scripts:  # EVALSHA, loading the script first when Redis does not know it yet
        scripts[name] = get_redis().register_script(source)
    return scripts[name]


def cached_page(digest: str, stock: bool, language: str) -> list[str] | None:
    """What the cache holds of a page, in one round trip: [listing, stock counter or "-"] when the list is not
    cached, else [listing, stock, the list's JSON, then each product's counter and card JSON in `language`
    ("" when not cached)]. None if Redis cannot be used."""
    try:
        return _script("page", _PAGE)(args=[namespace(), digest, "1" if stock else "0", language, *_PAGE_KEYS])
    except REDIS_DOWN:
        return None


def cached_detail(slug: str, language: str) -> list[str] | None:
    """What the cache holds of a detail, in one round trip: [listing, product id JSON ("" when not cached),
    then, for a product, its counter and its detail JSON in `language` ("" when not cached)]. None if Redis
    cannot be used."""
    try:
        return _script("detail", _DETAIL)(args=[namespace(), slug, language, *_DETAIL_KEYS])
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
