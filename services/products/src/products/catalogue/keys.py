"""The format of every key the catalogue keeps in Redis, stated once.

Each key is the service's namespace followed by one of these templates, filled in by name. Python fills
them with `str.format` (`cache.key`); the Lua scripts of `cache` receive the templates they follow in
ARGV and fill them with the same names (`string.gsub` over `{name}`), so there is no second copy of the
format to drift apart from this one. Field names are letters only, which is what the Lua side matches.

What the counters and versions mean, and why keys carry them instead of being deleted: see `cache`. Every key of
an answer with text carries the `language` it is in (products.translations); a list's ids do not depend on it.
"""

#: bumped by every staff change (what lists contain, how they sort, what cards say)
LISTING = "v:listing"
#: bumped by every stock change; only lists that filter on `in_stock` carry it
STOCK = "v:stock"
#: bumped by every change to one product, its stock included
PRODUCT = "v:product:{product}"
#: a list's ids and count; `stock` is "-" for a list that does not filter on stock
LIST = "list:{listing}:{stock}:{digest}"
#: the sort keys that let deep pages of one list (`digest` of its filters alone) seek instead of skip
ANCHORS = "list:{listing}:{stock}:{digest}:anchors:{ordering}"
CARD = "card:{listing}:{language}:{product}:{version}"
DETAIL = "detail:{listing}:{language}:{product}:{version}"
#: slug -> product id (JSON; null for no such product)
SLUG = "slug:{listing}:{slug}"
CATEGORIES = "categories:{listing}:{language}"
#: a list's facets in a language (`digest` of its filters alone), under the stock counter (they count in_stock)
FACETS = "facets:{listing}:{stock}:{language}:{digest}"
#: what the sitemap's index needs (products.sitemap): per block of ids and per category, the newest change
SITEMAP = "sitemap:{listing}"
