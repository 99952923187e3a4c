"""The gateway of the running stack as a client meets it: the storefront's paths, the headers on API
answers, compression, its own error bodies, request ids and the published API documents."""

from __future__ import annotations

import gzip
import re

import pytest
from openapi_spec_validator import validate

from shop_common import manifest
from shop_common.testing import assert_problem

GATEWAY_404 = "Nothing is published at this path."
#: storefront addresses (frontend/src/router/paths.json): the app's page; any other path, or a product that is
#: not there, the app's page with 404 (it shows its not-found page, and a crawler knows)
APP_PATHS = ["/", "/products/brushed-flannel-overshirt", "/orders/12", "/admin/orders/12"]
NOT_APP_PATHS = ["/products/some-slug", "/cart", "/account/orders/12"]
SECURITY = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin"}
#: what each service's published document must describe: the routes of CONTRACT.md
CONTRACT_PATHS = {
    "users": {"/api/auth/register/", "/api/auth/login/", "/api/auth/refresh/", "/api/auth/logout/",
              "/api/users/profile/"},
    "products": {"/api/categories/", "/api/products/", "/api/products/{slug}/"},
    "cart": {"/api/cart/", "/api/cart/add/", "/api/cart/update/{item_id}/", "/api/cart/delete/{item_id}/",
             "/api/cart/clear/"},
    "orders": {"/api/order/create/", "/api/order/list/", "/api/order/{order_id}/", "/api/order/{order_id}/cancel/"},
}
#: the path prefixes the gateway sends to each service (services.toml)
ROUTED = {s.name: s.routes for s in manifest.load().routed()}
#: the paths outside /api/ it sends to each (services.toml `pages`: the sitemap)
PAGES = {s.name: s.pages for s in manifest.load().routed()}


# -- the storefront --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", APP_PATHS)
def test_every_storefront_path_is_the_spa_page(client, path):
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.text == client.get("/").text and page.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", NOT_APP_PATHS)
def test_any_other_path_is_the_spa_page_with_404(client, path):
    page = client.get(path)
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert page.text == client.get("/").text and page.headers["Cache-Control"] == "no-cache"


def test_the_spa_page_loads_its_assets_and_a_missing_one_is_a_404_problem(client):
    page = client.get("/products/some-slug")
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text)
    assert assets, page.text
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert_problem(client.get("/assets/not-built-0000.js"), 404, "not_found")


@pytest.mark.parametrize("path", ["/openapi.json", "/docs/", "/healthz/"])
def test_the_services_own_pages_are_not_published_at_the_root(client, path):
    # outside /api/ is the storefront (make up builds it): its page (404: none of its addresses), never the service's
    response = client.get(path)
    assert response.status_code == 404 and response.text == client.get("/").text


def test_a_deep_link_under_api_is_the_service_never_the_storefront(client):
    response = client.get("/api/products/some-slug/")
    assert_problem(response, 404, "product_not_found")


def test_the_gateway_answers_its_own_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


# -- headers -------------------------------------------------------------------------------------------------


def test_api_answers_carry_the_security_headers_once(stack, client):
    shopper = stack.shopper("headers")
    answers = {
        "json list": client.get("/api/categories/"),
        "json with a token": client.get("/api/cart/", headers=shopper.headers),
        "problem from a POST": client.post("/api/cart/add/", json={"product_id": 99_999_999},
                                           headers=shopper.headers),
        "service problem": client.get("/api/products/no-such-product/"),
        "401 problem": client.get("/api/cart/"),
        "gateway problem": client.get("/api/nothing-here/"),
        "no content": client.post("/api/cart/clear/", headers=shopper.headers),
    }
    for what, response in answers.items():
        for name, value in SECURITY.items():
            assert response.raw.headers.getlist(name) == [value], (what, name)
        csp = response.raw.headers.getlist("Content-Security-Policy")
        assert len(csp) == 1 and "frame-ancestors 'none'" in csp[0] and "default-src 'self'" in csp[0], (what, csp)
        assert "camera=()" in response.headers["Permissions-Policy"], what
        assert response.headers["Server"] == "nginx", what  # no version


def test_a_large_json_list_is_gzipped(client):
    zipped = client.get("/api/products/?page_size=100", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    on_the_wire = zipped.raw.read(decode_content=False)
    plain = client.get("/api/products/?page_size=100", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(on_the_wire) == plain.content and len(on_the_wire) < len(plain.content) / 3
    spec = client.get("/api/docs/products/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert spec.headers["Content-Encoding"] == "gzip"


# -- errors and request ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nothing/", "/api/", "/api/productsX/", "/api/docs/mailer/", "/readyz",
                                  "/metrics"])
def test_an_unpublished_path_is_the_gateways_404_problem(stack, path):
    response = stack.raw("GET", path)
    body = assert_problem(response, 404, "not_found")
    assert body["detail"] == GATEWAY_404 and body["request_id"] == response.headers["X-Request-ID"]


def test_a_services_method_not_allowed_is_a_problem_with_allow(client):
    response = client.put("/api/categories/", json={})
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_a_request_id_is_made_when_absent_and_named_in_problems(client):
    first = client.get("/api/products/no-such-product/")
    made = first.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made) and first.raw.headers.getlist("X-Request-ID") == [made]
    assert first.json()["request_id"] == made  # the service was given the gateway's id
    assert client.get("/api/products/no-such-product/").headers["X-Request-ID"] != made
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/api/categories/").headers["X-Request-ID"])


@pytest.mark.parametrize("path", ["/api/products/no-such-product/", "/api/nothing/", "/api/cart/"])
def test_a_clients_request_id_is_kept(client, path):
    response = client.get(path, headers={"X-Request-ID": "e2e-check.id:42"})
    assert response.raw.headers.getlist("X-Request-ID") == ["e2e-check.id:42"]
    assert response.json()["request_id"] == "e2e-check.id:42"


def test_a_request_id_the_services_would_refuse_is_replaced(client):
    response = client.get("/api/products/no-such-product/", headers={"X-Request-ID": "has space;and more"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert response.json()["request_id"] == response.headers["X-Request-ID"]


# -- the API documents -----------------------------------------------------------------------------------


@pytest.mark.parametrize("service", CONTRACT_PATHS)
def test_each_service_publishes_swagger_ui_and_a_valid_openapi_3_document(client, service):
    page = client.get(f"/api/docs/{service}/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'id="swagger-ui"' in page.text
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert client.get(f"/api/docs/{service}/{asset}").status_code == 200, asset

    document = client.get(f"/api/docs/{service}/openapi.json")

    assert document.status_code == 200 and document.headers["Content-Type"] == "application/json"
    spec = document.json()
    validate(spec)  # raises on anything that is not valid OpenAPI 3
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] == f"Shop {service}"
    assert CONTRACT_PATHS[service] <= set(spec["paths"]), sorted(spec["paths"])


@pytest.mark.parametrize("service", CONTRACT_PATHS)
def test_a_published_document_describes_only_what_the_gateway_routes(client, service):
    spec = client.get(f"/api/docs/{service}/openapi.json").json()
    unreachable = [path for path in spec["paths"] if not path.startswith(ROUTED[service])
                   and not any(re.fullmatch(page.strip("^$"), re.sub(r"\{\w+\}", "1", path))
                               for page in PAGES[service])]
    assert unreachable == []
