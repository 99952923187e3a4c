"""`/sitemap.xml` and its numbered files: the storefront's pages for crawlers (`products.sitemap`), at the site's
root, where robots.txt says they are (the gateway sends them here: services.toml `pages`)."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from products import sitemap
from shop_common.api import Blueprint

blp = Blueprint("sitemap", __name__, description="The sitemap of the storefront's pages, for crawlers.")

#: crawlers and any cache between may keep it a while; its ETag makes a revalidation cheap
HEADERS = {"Cache-Control": "public, max-age=300"}
XML = {"type": "string", "description": "a sitemaps.org document"}


def _xml(text: str) -> Response:
    response = Response(text, content_type=sitemap.CONTENT_TYPE, headers=HEADERS)
    response.add_etag()
    return response.make_conditional(request)


@blp.route("/sitemap.xml")
class Sitemap(MethodView):
    @blp.response(200, XML, content_type="application/xml",
                  description="A `urlset` of every page, or a `sitemapindex` of the numbered files when they "
                              "are over 50,000")
    def get(self):
        """The sitemap: every product page and category page with its last change, or the index of the
        numbered files when there are more than one file holds."""
        return _xml(sitemap.root())


@blp.route("/sitemap-<int:number>.xml")
class SitemapFile(MethodView):
    @blp.response(200, XML, content_type="application/xml", description="A `urlset` of at most 50,000 pages")
    @blp.alt_response(404, response="NOT_FOUND", description="sitemap_not_found: no such file in the index")
    def get(self, number: int):
        """A numbered file of the sitemap's index: 1 the catalogue's pages, then the products by blocks of ids."""
        return _xml(sitemap.numbered(number))
