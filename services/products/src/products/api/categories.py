"""`/api/categories/`: the categories with their product counts; staff change them."""

from flask.views import MethodView

from products import staff
from products.api.versions import ETAG, WRITE_ETAG, add_written_etag, conditional, public_cache, staff_read, tagged
from products.catalogue import queries
from products.schemas import CategoryInSchema, CategorySchema
from shop_common.api import Blueprint, json_text
from shop_common.auth import BEARER, authenticated
from shop_common.language import localized

blp = Blueprint("categories", __name__, url_prefix="/api/categories",
                description="Categories, in the language Accept-Language asks for.")
blp.after_request(add_written_etag)
blp.after_request(localized)
blp.after_request(public_cache)


@blp.route("/")
class Categories(MethodView):
    @blp.response(200, CategorySchema(many=True))
    def get(self):
        """Every category with the number of its products, by name."""
        return json_text(queries.categories())

    @authenticated(blp, staff=True)
    @blp.arguments(CategoryInSchema)
    @blp.response(201, CategorySchema, headers=WRITE_ETAG)
    @blp.alt_response(409, response="CONFLICT", description="slug_taken")
    def post(self, data):
        """Staff: add a category."""
        return staff.create_category(data)


@blp.route("/<slug>/")
class Category(MethodView):
    @blp.response(200, CategorySchema, headers=ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="category_not_found")
    @blp.doc(security=[{}, *BEARER])
    def get(self, slug):
        """A category with the number of its products, and its ETag. A staff member reads it as they edit it:
        its own (English) fields and its `translations`."""
        text = queries.category(slug, staff=staff_read())
        return tagged(text, queries.etag(text))

    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.arguments(CategoryInSchema(partial=True))
    @blp.response(200, CategorySchema, headers=WRITE_ETAG)
    @blp.alt_response(404, response="NOT_FOUND", description="category_not_found")
    @blp.alt_response(409, response="CONFLICT", description="slug_taken")
    def patch(self, changes, slug):
        """Staff: change a category."""
        return staff.update_category(slug, changes)

    @authenticated(blp, staff=True)
    @conditional(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND", description="category_not_found")
    @blp.alt_response(409, response="CONFLICT", description="category_not_empty")
    def delete(self, slug):
        """Staff: delete a category that has no products."""
        staff.delete_category(slug)
