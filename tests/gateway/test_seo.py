"""What crawlers meet at the gateway: robots.txt, the sitemap (the products service's, at the site's root), and
honest statuses for the storefront's pages: 200 for its addresses (frontend/src/router/paths.json, the Vue
router's), 404 with the app for any other path and for an unknown product, the app whatever happens to the
products service."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import xml.etree.ElementTree as ET

import pytest
import requests

from .support import INDEX_HTML, ROOT, free_port, load_gateway

PATHS = json.loads((ROOT / "frontend" / "src" / "router" / "paths.json").read_text())
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def get(gateway, path: str, **kwargs) -> requests.Response:
    return requests.get(gateway.url + path, allow_redirects=False, timeout=10, **kwargs)


@pytest.fixture(scope="module")
def slug(gateway) -> str:
    """A product of the demo catalogue."""
    return get(gateway, "/api/products/?page_size=1").json()["results"][0]["slug"]


def address(path: str, slug: str) -> str:
    """An address of a vue-router path: each parameter given a value its pattern takes."""
    return re.sub(r":(\w+)(\([^()]*\))?", lambda m: "12" if m[2] else slug, path)


def assert_app(response: requests.Response, status: int) -> None:
    assert response.status_code == status, (response.url, response.status_code, response.text[:200])
    assert response.text == INDEX_HTML and response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.raw.headers.getlist("Cache-Control") == ["no-cache"]


# -- robots.txt -------------------------------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_to_the_public_pages_and_names_the_sitemap_of_the_host(gateway):
    response = get(gateway, "/robots.txt", headers={"Host": "shop.example:8443"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *" and "Allow: /" in lines
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")}
    assert disallowed == {"/admin", "/checkout", "/orders", "/profile", "/password-reset", "/verify-email", "/api/"}
    # what the public pages read, so that a crawler rendering them sees what a shopper does
    assert {"Allow: /api/products/", "Allow: /api/categories/"} <= set(lines)
    assert lines[-1] == "Sitemap: http://shop.example:8443/sitemap.xml"
    assert get(gateway, "/robots.txt").text.splitlines()[-1] == f"Sitemap: {gateway.url}/sitemap.xml"


def test_robots_txt_follows_the_storefronts_addresses(gateway_module):
    front = gateway_module.load_storefront()
    hidden = {p.path for p in front.paths if not p.crawl}
    # every page of an account asks to sign in: none is for crawlers; the catalogue and products are
    assert {"/checkout", "/orders/:id(\\d+)", "/profile", "/admin/orders"} <= hidden
    assert not {"/", "/products/:slug"} & hidden


# -- the sitemap --------------------------------------------------------------------------------------------------


def test_the_sitemap_is_the_products_services_with_every_product_at_the_public_url(gateway, slug, public_url):
    response = get(gateway, "/sitemap.xml", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["Content-Encoding"] == "gzip"  # a large file travels compressed
    document = ET.fromstring(response.content)  # noqa: S314 (our own service's answer)
    assert document.tag == NS + "urlset"
    locs = [url.findtext(NS + "loc") for url in document]
    count = get(gateway, "/api/products/?page_size=1").json()["count"]
    assert f"{public_url}/products/{slug}" in locs and len(locs) > count
    assert all(loc.startswith(public_url + "/") for loc in locs)
    missing = get(gateway, "/sitemap-7.xml")
    assert missing.status_code == 404 and missing.json()["code"] == "sitemap_not_found"
    # no other root path reaches the service
    assert_app(get(gateway, "/sitemap.xml.bak"), 404)


# -- statuses of the storefront's pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", PATHS["paths"], ids=lambda entry: entry["path"])
def test_every_address_of_the_storefront_is_the_app_with_200(gateway, slug, entry):
    path = address(entry["path"], slug)
    assert_app(get(gateway, path), 200)
    assert_app(get(gateway, path + "/"), 200)  # vue-router takes a trailing slash too


@pytest.mark.parametrize("path", ["/cart", "/account/orders/12", "/orders/twelve", "/checkout/thank-you/x",
                                  "/products", "/products/a/b", "/products/No_Such!", "/admin/orders/x",
                                  "/index.htm", "/%E2%9C%93"])
def test_any_other_path_is_the_app_with_404(gateway, path):
    assert_app(get(gateway, path), 404)


def test_an_unknown_product_is_the_app_with_404_and_a_known_one_with_200(gateway, slug, services):
    assert_app(get(gateway, "/products/no-such-product"), 404)
    assert_app(get(gateway, f"/products/{slug}"), 200)
    assert_app(get(gateway, f"/products/{slug.upper()}"), 404)  # vue-router asks the API for it as it is
    head = requests.head(f"{gateway.url}/products/no-such-product", timeout=10)
    assert head.status_code == 404 and not head.content
    # the gateway asked the products service, whose public detail says it
    assert f"/api/products/{slug}/" in services["products"].recorder.paths()


def test_a_product_page_is_the_app_while_the_products_service_is_down(nginx_binary, spa_dir, services,
                                                                     tmp_path):
    upstreams = {name: served.address for name, served in services.items()}
    with socket_nobody_listens_on() as closed:
        gateway = load_gateway().render(tmp_path, port=free_port(), spa_dir=spa_dir,
                                        upstreams={**upstreams, "products": closed})
        gateway.start()
        try:
            # the page says what it finds (its own "try again"), never a broken page
            assert_app(get(gateway, "/products/linen-shirt"), 200)
            assert_app(get(gateway, "/no/such/page"), 404)
            assert get(gateway, "/sitemap.xml").json()["code"] == "service_unavailable"
        finally:
            gateway.stop()


@contextlib.contextmanager
def socket_nobody_listens_on():
    """`host:port` of a port bound but never listened on: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


def test_a_storefront_path_vue_router_syntax_the_gateway_cannot_read_is_refused(gateway_module):
    for path in ("/a/:id?", "/a/:id+", "/a/(.*)", "/files/*"):
        with pytest.raises(ValueError, match="only static segments"):
            gateway_module.StorefrontPath(path).regex()
    page = gateway_module.StorefrontPath("/orders/:id(\\d+)/payment")
    assert re.fullmatch(page.regex().strip("^$"), "/orders/12/payment/")
    assert not re.fullmatch(page.regex().strip("^$"), "/orders/x/payment")


def test_a_storefront_list_naming_an_api_path_no_service_routes_is_refused(gateway_module, tmp_path):
    paths = tmp_path / "paths.json"
    paths.write_text(json.dumps({"paths": [{"path": "/things/:id", "exists": "/api/things/:id/"}], "api": []}))
    with pytest.raises(ValueError, match=r"\['/api/things/:id/'\] are under no route"):
        gateway_module.render(tmp_path / "gw", storefront=paths)
    # the SPA alone asks nothing
    assert gateway_module.render(tmp_path / "spa", storefront=paths, api=False).conf.exists()
