"""`/api/products/images/<name>`: the demo and synthetic catalogues' pictures, served by the service itself.

The pictures are drawn by `products.artwork` from a fixed list of names (`seed.demo_images()` and
`synthetic.synthetic_images()`), not read from disk: nothing to ship, nothing to write at seed time, and
every replica answers the same bytes, read-only file system or not. A name is checked against a strict
pattern and that list before anything else; anything else is 404 `image_not_found`.

The bytes for a name change only when the artwork code does, so answers are cached for a week and carry
an ETag, which makes a revalidation after a release cheap and correct.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from flask import Response, request
from flask.views import MethodView

from products.demo.seed import demo_images
from products.demo.synthetic import synthetic_images
from products.pictures.artwork import render
from shop_common.api import Blueprint
from shop_common.errors import Problem

blp = Blueprint("images", __name__, url_prefix="/api/products/images",
                description="Product pictures (SVG) of the demo and synthetic catalogues.")

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


@functools.cache
def pictures() -> dict[str, dict[str, Any]]:
    """Every picture name the service answers -> `artwork.render` keyword arguments."""
    return {**demo_images(), **synthetic_images()}


@functools.cache  # bounded by `pictures()`: some hundreds of documents of 1-2 kB
def _svg(name: str) -> bytes:
    return render(**pictures()[name]).encode()


@blp.route("/<name>")
class Image(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=SVG,
                  description="The picture, an SVG document")
    @blp.alt_response(404, response="NOT_FOUND", description="image_not_found")
    def get(self, name: str):
        """A product picture; cached for a week, with an ETag for conditional requests."""
        if len(name) > MAX_NAME or not NAME.fullmatch(name) or name not in pictures():
            raise Problem(404, "image_not_found", f"No image {name[:100]!r}.")
        response = Response(_svg(name), mimetype=SVG, headers=HEADERS)
        response.add_etag()
        return response.make_conditional(request)
