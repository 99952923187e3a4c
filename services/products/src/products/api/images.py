"""`/api/products/images/<name>`: the catalogue's pictures, drawn and served by the service itself.

The pictures are drawn by `products.pictures.artwork` from what is stored of them by name (`pictures.store`,
written by the data commands for the products they make), not read from files: nothing to ship, and
every replica answers the same bytes, read-only file system or not. A name is checked against a strict
pattern before anything else; a name that fails it or is not stored is 404 `image_not_found`.

The bytes for a name change only when the artwork code does, so answers are cached for a week and carry
an ETag, which makes a revalidation after a release cheap and correct.
"""

from __future__ import annotations

import re

from flask import Response, request
from flask.views import MethodView
from sqlalchemy import select

from products.models import PhotoFile, db
from products.pictures import store
from shop_common.api import Blueprint
from shop_common.errors import Problem

blp = Blueprint("images", __name__, url_prefix="/api/products/images",
                description="Product pictures: the artwork (SVG) the service draws, and the uploaded photos.")

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\.svg")
MAX_NAME = 200
MAX_AGE = 7 * 86400
SVG = "image/svg+xml"
# an SVG opened on its own is a document: it may run nothing and load nothing
HEADERS = {
    "Cache-Control": f"public, max-age={MAX_AGE}",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@blp.route("/<name>")
class Image(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=SVG,
                  description="The picture, an SVG document")
    @blp.alt_response(404, response="NOT_FOUND", description="image_not_found")
    def get(self, name: str):
        """A product picture; cached for a week, with an ETag for conditional requests."""
        svg = store.svg(name) if len(name) <= MAX_NAME and NAME.fullmatch(name) else None
        if svg is None:
            raise Problem(404, "image_not_found", f"No image {name[:100]!r}.")
        response = Response(svg, mimetype=SVG, headers=HEADERS)
        response.add_etag()
        return response.make_conditional(request)


PHOTO = re.compile(r"[0-9a-f]{32}\.webp")
WEBP = "image/webp"
#: a photo's name is the digest of its bytes: what a URL shows never changes
PHOTO_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}


@blp.route("/photos/<name>")
class Photo(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=WEBP,
                  description="The rendition, a WebP image")
    @blp.alt_response(404, response="NOT_FOUND", description="image_not_found")
    def get(self, name: str):
        """A rendition of an uploaded photo, by the digest of its bytes: cached for a year (immutable), with an
        ETag (a conditional request is 304)."""
        data = None
        if PHOTO.fullmatch(name):
            data = db.session.scalar(select(PhotoFile.data).where(PhotoFile.name == name).limit(1))
        if data is None:
            raise Problem(404, "image_not_found", f"No image {name[:100]!r}.")
        response = Response(data, mimetype=WEBP, headers=PHOTO_HEADERS)
        response.set_etag(name.removesuffix(".webp"))
        return response.make_conditional(request)
