"""`/api/products/`: the public catalogue, and the staff's changes to it through the same resources."""

from flask.views import MethodView
from werkzeug.routing import BaseConverter

from products import staff
from products.api.versions import ETAG, WRITE_ETAG, add_written_etag, conditional, public_cache, staff_read, tagged
from products.catalogue import facets, queries
from products.pictures import photos
from products.schemas import (
    DetailSchema,
    FacetsSchema,
    FilterQuerySchema,
    ListQuerySchema,
    PageSchema,
    PhotoSchema,
    ProductChangesSchema,
    ProductInSchema,
    UploadSchema,
    VariantInSchema,
    VariantSchema,
)
from shop_common.api import Blueprint, json_text
from shop_common.auth import BEARER, authenticated, require_staff
from shop_common.language import localized

#: Swagger UI's example of a new product: it can be sent as it is to a shop holding the demo catalogue
NEW_PRODUCT = {
    "name": "Seersucker Camp Shirt", "category": "shirts-tops",
    "description": "A short-sleeved camp-collar shirt in puckered cotton seersucker.",
    "attributes": {"material": "cotton seersucker"},
    "variants": [{"sku": "SEERSUCKER-M-BLUE", "label": "M / Blue", "attributes": {"size": "M", "color": "Blue"},
                  "price": "54.00", "stock": 12},
                 {"sku": "SEERSUCKER-L-BLUE", "label": "L / Blue", "attributes": {"size": "L", "color": "Blue"},
                  "price": "54.00", "stock": 8}],
}

blp = Blueprint("products", __name__, url_prefix="/api/products",
                description="The catalogue, in the language Accept-Language asks for (Content-Language says it).")
blp.after_request(add_written_etag)
blp.after_request(localized)
blp.after_request(public_cache)


class ProductSlug(BaseConverter):
    """A product's slug in a path: any segment but the collection's own paths (`facets`), so those answer only
    their own methods (`Allow`), not a product's as well."""

    regex = r"(?!facets(?:/|$))[^/]+"


# before the routes: a blueprint's deferred functions run in the order they were recorded
blp.record_once(lambda state: state.app.url_map.converters.setdefault("product", ProductSlug))


@blp.route("/")
class Products(MethodView):
    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, PageSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="page_not_found: past the last page")
    @blp.alt_response(401, response="UNAUTHORIZED", description="not_authenticated (or another token problem): "
                      "stock_below without a token")
    @blp.alt_response(403, response="FORBIDDEN", description="staff_only: stock_below with a shopper's token")
    @blp.doc(security=[{}, *BEARER])
    def get(self, query):
        """A page of products, filtered, searched and ordered; the envelope links the pages around it.

        Staff may add `stock_below` for the products running low, each with its low variants."""
        if "stock_below" in query:
            require_staff()
            return json_text(queries.low_stock_page(query))
        return json_text(queries.page(query))

    @authenticated(blp, staff=True)
    @blp.arguments(ProductInSchema, example=NEW_PRODUCT)
    @blp.response(201, DetailSchema, headers=WRITE_ETAG)
    @blp.alt_response(409, response="CONFLICT", description="slug_taken or sku_taken")
    def post(self, data):
        """Staff: add a product with its variants (at least one)."""
        return staff.create_product(data)


@blp.route("/facets/")
class Facets(MethodView):
    @blp.arguments(FilterQuerySchema, location="query")
    @blp.response(200, FacetsSchema)
    def get(self, query):
        """The facets of the list these filters make (the list's own filters; paging is ignored): how many of its
        products each category, size, colour, price range and stock state has, each counted with every other
        filter applied and its own left out. Labels in the request's language (`Accept-Language`)."""
        return json_text(facets.facets(query))


@blp.route("/<product:slug>/")
class Product(MethodView):
    @blp.response(200, DetailSchema, headers=ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found")
    @blp.doc(security=[{}, *BEARER])
    def get(self, slug):
        """A product with its variants, and its ETag (a conditional GET with If-None-Match may answer 304).

        A staff member reads the product as they edit it: its own (English) fields and its `translations`."""
        text = queries.staff_product(slug) if staff_read() else queries.product(slug)
        return tagged(text, queries.etag(text))

    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.arguments(ProductChangesSchema(partial=True, exclude=("variants",)))
    @blp.response(200, DetailSchema, headers=WRITE_ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found")
    @blp.alt_response(409, response="CONFLICT", description="slug_taken")
    def patch(self, changes, slug):
        """Staff: change a product (its variants have their own resource); `images` reorders its photos."""
        return staff.update_product(slug, changes)

    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found")
    def delete(self, slug):
        """Staff: delete a product and its variants."""
        staff.delete_product(slug)


@blp.route("/<slug>/variants/")
class Variants(MethodView):
    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.arguments(VariantInSchema)
    @blp.response(201, VariantSchema, headers=WRITE_ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found")
    @blp.alt_response(409, response="CONFLICT", description="sku_taken")
    def post(self, data, slug):
        """Staff: add a variant to a product."""
        return staff.add_variant(slug, data)


@blp.route("/<slug>/variants/<id:variant_id>/")
class Variant(MethodView):
    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.arguments(VariantInSchema(partial=True))
    @blp.response(200, VariantSchema, headers=WRITE_ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found or variant_not_found")
    @blp.alt_response(409, response="CONFLICT", description="sku_taken")
    def patch(self, changes, slug, variant_id):
        """Staff: change a variant; `{"stock": n}` sets its stock."""
        return staff.update_variant(slug, variant_id, changes)

    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.response(204, headers=WRITE_ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found or variant_not_found")
    @blp.alt_response(409, response="CONFLICT", description="last_variant")
    def delete(self, slug, variant_id):
        """Staff: delete a variant (not the last one)."""
        staff.delete_variant(slug, variant_id)


@blp.route("/<slug>/images/")
class Photos(MethodView):
    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, PhotoSchema, headers=WRITE_ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found")
    @blp.alt_response(409, response="CONFLICT", description="too_many_images: it has 20 photos already")
    @blp.alt_response(413, response="PAYLOAD_TOO_LARGE", description="payload_too_large: the file is over 10 MiB")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description=(
        "validation_error: no `file`; invalid_image: not a JPEG, PNG or WebP (GIF included), broken, over 50 "
        "megapixels (a decompression bomb), or a type that lies: its content type or file name says another "
        "image type than its content (`application/octet-stream` and no extension say nothing)"))
    def post(self, files, slug):
        """Staff: upload a photo (multipart field `file`), added last to the product's photos.

        Its EXIF orientation is applied and every piece of metadata (GPS position included) is dropped; it is
        kept as WebP renditions 400 and 1200 px wide (never wider than the original)."""
        upload = files["file"]
        data = upload.read(photos.MAX_BYTES + 1)
        return staff.add_photo(slug, data, upload.filename, upload.mimetype)


@blp.route("/<slug>/images/<id:photo_id>/")
class Photo(MethodView):
    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.response(204, headers=WRITE_ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="product_not_found or image_not_found")
    def delete(self, slug, photo_id):
        """Staff: delete one of the product's photos (the others keep their order)."""
        staff.delete_photo(slug, photo_id)
