from products.api.categories import blp as categories_blp
from products.api.products import blp as products_blp

BLUEPRINTS = (products_blp, categories_blp)
