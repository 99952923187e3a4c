from products.api.categories import blp as categories_blp
from products.api.images import blp as images_blp
from products.api.internal import blp as internal_blp
from products.api.products import blp as products_blp
from products.api.sitemap import blp as sitemap_blp

BLUEPRINTS = (products_blp, categories_blp, images_blp, internal_blp, sitemap_blp)
