"""The gateway as a client meets it: one address, every service's routes, the SPA, the documents, and the
headers every answer carries. Real nginx in front of the real services (see conftest.py)."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import pytest
import requests

from shop_common.testing import assert_problem

from .support import ASSET, INDEX_HTML, ROOT, load_gateway, raw

SERVICES = tuple(load_gateway().load_routes().services)
GATEWAY_404 = "Nothing is published at this path."
SECURITY = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
            "Permissions-Policy", "X-Request-ID")


def call(gateway, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, gateway.url + path, allow_redirects=False, timeout=10, **kwargs)


def get(gateway, path: str, **kwargs) -> requests.Response:
    return call(gateway, "GET", path, **kwargs)


def header_values(response: requests.Response, name: str) -> list[str]:
    """Every value of a header as sent (requests joins repeated headers into one string)."""
    return response.raw.headers.getlist(name)


def directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in csp.split(";")) if d}


# -- the route table ------------------------------------------------------------------------------------------


def test_the_route_table_is_the_one_the_shop_publishes():
    table = load_gateway().load_routes()
    assert {name: s.routes for name, s in table.services.items()} == {
        "users": ("/api/auth/", "/api/users/"),
        "products": ("/api/products/", "/api/categories/"),
        "cart": ("/api/cart/",),
        "orders": ("/api/order/",),
        "payments": ("/api/payments/",),
    }
    assert table.throttled == ("/api/auth/login/",) and table.service_of("/api/auth/login/") == "users"


def test_a_test_stack_may_let_more_sign_ins_through_than_the_route_table(tmp_path):
    gateway = load_gateway()
    default = gateway.render(tmp_path / "default").conf.read_text()
    raised = gateway.render(tmp_path / "raised", logins_per_minute=600).conf.read_text()
    assert f"rate={gateway.load_routes().rate_per_minute}r/m;" in default
    assert "rate=600r/m;" in raised and "rate=600r/m;" not in default


GATEWAY = '[services.gateway]\nkind = "web"\nport = 1\n'


@pytest.mark.parametrize("table, complaint", [
    ('[services.a]\nkind = "api"\nport = 2\nroutes = ["/api/a"]\n', "must look like /api/<name>/"),
    ('[services.a]\nkind = "api"\nport = 2\nroutes = ["/internal/a/"]\n', "must look like /api/<name>/"),
    ('[services.a]\nkind = "api"\nport = 2\nroutes = ["/api/docs/a/"]\n', "not be under /api/docs/"),
    ('[services.a]\nkind = "api"\nport = 2\nroutes = ["/api/a/"]\n[services.b]\nkind = "api"\nport = 3\n'
     'routes = ["/api/a/"]\n', "belongs to both a and b"),
    ('[services.a]\nkind = "api"\nroutes = ["/api/a/"]\n', "needs `port`"),
    ('[services.a]\nkind = "api"\nport = 1\n', "port 1 is both gateway's and a's"),
    ('[services.a]\nkind = "api"\nport = 2\ncalls = ["b"]\n', "calls 'b', which is no api"),
    ('[services.a]\nkind = "api"\nport = 2\nrotes = ["/api/a/"]\n', "unknown keys ['rotes']"),
    ('[services.a]\nkind = "job"\n', "kind must be one of api, worker, web"),
    ('[services.gateway.throttle]\npaths = ["/api/x/"]\n', "throttles /api/x/, which no service answers"),
    ('[services.a]\nkind = "api"\nport = 2\npages = ["/sitemap.xml"]\n', "must be an anchored expression"),
    ('[services.a]\nkind = "api"\nport = 2\npages = ["^/api/a/x$"]\n', "outside /api/"),
    ('[services.a]\nkind = "api"\nport = 2\npages = ["^/a;b$"]\n', "may hold only"),
])
def test_a_manifest_with_a_mistake_is_refused(tmp_path, table, complaint):
    (tmp_path / "services.toml").write_text(GATEWAY + table)
    with pytest.raises(ValueError, match=re.escape(complaint)):
        load_gateway().load_routes(tmp_path / "services.toml")


def test_each_route_reaches_its_service(gateway, services):
    products = get(gateway, "/api/products/")
    assert products.status_code == 200 and products.headers["Content-Type"] == "application/json"
    assert products.json()["count"] == 45
    categories = get(gateway, "/api/categories/")
    assert categories.status_code == 200 and {"id", "name", "slug", "product_count"} <= set(categories.json()[0])
    registered = call(gateway, "POST", "/api/auth/register/",
                      json={"username": "route-check", "email": "route-check@example.com",
                            "password": "correct horse battery"})
    assert registered.status_code == 201, registered.text
    assert registered.json()["username"] == "route-check"
    # cart and orders want a token: their own 401 shows the request got there
    assert_problem(get(gateway, "/api/cart/"), 401)
    assert_problem(get(gateway, "/api/order/list/"), 401)
    assert_problem(get(gateway, "/api/users/profile/"), 401)
    assert "/api/products/" in services["products"].recorder.paths()
    assert "/api/categories/" in services["products"].recorder.paths()
    assert "/api/auth/register/" in services["users"].recorder.paths()
    assert "/api/users/profile/" in services["users"].recorder.paths()
    assert "/api/cart/" in services["cart"].recorder.paths()
    assert "/api/order/list/" in services["orders"].recorder.paths()


def test_a_shopper_signs_up_logs_in_and_uses_every_service_through_the_gateway(gateway):
    account = {"username": "through-gw", "email": "through-gw@example.com", "password": "correct horse battery"}
    assert call(gateway, "POST", "/api/auth/register/", json=account).status_code == 201
    login = call(gateway, "POST", "/api/auth/login/", json={"username": "through-gw",
                                                           "password": account["password"]})
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access']}"}
    assert get(gateway, "/api/users/profile/", headers=auth).json()["username"] == "through-gw"
    product = get(gateway, "/api/products/?page_size=1&in_stock=true").json()["results"][0]
    detail = get(gateway, f"/api/products/{product['slug']}/").json()
    in_stock = next(v for v in detail["variants"] if v["in_stock"])
    added = call(gateway, "POST", "/api/cart/add/", headers=auth,
                 json={"product_id": product["id"], "variant_id": in_stock["id"]})
    assert added.status_code == 201, added.text
    assert get(gateway, "/api/cart/", headers=auth).json()["total_quantity"] == 1
    assert get(gateway, "/api/order/list/", headers=auth).json()["count"] == 0


def test_a_path_without_its_trailing_slash_is_redirected_by_the_service_to_the_gateway(gateway):
    response = get(gateway, "/api/products?page=1")
    assert response.status_code == 308
    assert urljoin(gateway.url + "/api/products", response.headers["Location"]) == (
        gateway.url + "/api/products/?page=1")
    assert not response.content


def test_services_see_the_client_through_the_forwarded_headers(gateway, services):
    answer = get(gateway, "/api/products/?page_size=2", headers={"X-Request-ID": "forwarded-check"})
    # the service builds its links for the address the client used: the gateway's
    assert answer.json()["next"].startswith(gateway.url + "/api/products/?")
    seen = next(r for r in services["products"].recorder.seen if r["headers"].get("x-request-id") == "forwarded-check")
    assert seen["headers"]["host"] == gateway.url.removeprefix("http://")
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert seen["headers"]["x-real-ip"] == "127.0.0.1"
    assert seen["headers"]["x-forwarded-proto"] == "http"


# -- API documents -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_publishes_swagger_ui_and_its_document_under_api_docs(gateway, service):
    page = get(gateway, f"/api/docs/{service}/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'id="swagger-ui"' in page.text
    # every file the page loads answers under the prefix, and so does the spec its script asks for
    links = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert links and all(not link.startswith(("/", "http")) for link in links), links
    for link in links:
        asset = requests.get(urljoin(page.url, link), timeout=10)
        assert asset.status_code == 200, (link, asset.status_code)
    init = requests.get(urljoin(page.url, "init.js"), timeout=10).text
    assert 'new URL("openapi.json", window.location.href)' in init
    spec = requests.get(urljoin(page.url, "openapi.json"), timeout=10)
    assert spec.status_code == 200 and spec.headers["Content-Type"] == "application/json"
    assert spec.json()["info"]["title"] == f"Shop {service}" and spec.json()["openapi"].startswith("3.")
    # the page's CSP: Swagger UI may use inline styles, and nothing else more than the SPA may
    csp = directives(page.headers["Content-Security-Policy"])
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"] and csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    without_slash = get(gateway, f"/api/docs/{service}")
    assert without_slash.status_code == 308 and without_slash.headers["Location"] == f"/api/docs/{service}/"
    assert not without_slash.content


# -- what is never routed ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/internal/stock/"),
    ("POST", "/internal/stock/"),
    ("GET", "/internal"),
    ("GET", "/api/internal/stock/"),
    ("GET", "//internal/stock/"),
    ("GET", "/api/products/../../internal/stock/"),
    ("GET", "/api/products/..%2F..%2Finternal/stock/"),
    ("GET", "/api/products/%2e%2e/%2e%2e/internal/stock/"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
])
def test_internal_endpoints_and_service_probes_are_never_routed(gateway, services, method, path):
    before = {name: len(served.recorder.seen) for name, served in services.items()}
    response = raw(gateway, method, path, body=b'{"lines": []}' if method == "POST" else None,
                   headers={"X-Service-Token": "test-service-token", "Content-Type": "application/json"})
    assert_problem(response, 404, "not_found")
    assert response.json()["detail"] == GATEWAY_404
    assert {name: len(served.recorder.seen) for name, served in services.items()} == before


def test_the_gateway_answers_its_own_health_check(gateway, services):
    before = len(services["products"].recorder.seen)
    response = get(gateway, "/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert len(services["products"].recorder.seen) == before


@pytest.mark.parametrize("path", ["/api/", "/api", "/api/nothing/", "/api/productsX/", "/api/docs/",
                                  "/api/docs/mailer/", "/api/auth/../internal/"])
def test_an_unknown_api_path_is_the_gateways_404_problem(gateway, path):
    response = raw(gateway, "GET", path)
    body = assert_problem(response, 404, "not_found")
    assert body["detail"] == GATEWAY_404 and body["request_id"] == response.headers["X-Request-ID"]


# -- the SPA (static mode) -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/checkout", "/orders/12/payment", "/admin/orders/12"])
def test_every_app_path_is_the_spa_page_revalidated_each_time(gateway, path):
    response = get(gateway, path)
    assert response.status_code == 200 and response.text == INDEX_HTML
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert header_values(response, "Cache-Control") == ["no-cache"]
    again = get(gateway, path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_hashed_assets_are_cached_for_good_and_gzipped(gateway, spa_dir):
    response = get(gateway, ASSET, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript"
    assert header_values(response, "Cache-Control") == ["public, max-age=31536000, immutable"]
    assert response.headers["Content-Encoding"] == "gzip" and response.headers["Vary"] == "Accept-Encoding"
    assert response.text == (spa_dir / ASSET.lstrip("/")).read_text()


def test_a_missing_asset_is_a_404_problem_not_the_spa_page(gateway):
    response = get(gateway, "/assets/app-gone999.js")
    assert_problem(response, 404, "not_found")
    assert "Cache-Control" not in response.headers


def test_head_and_options(gateway):
    head = call(gateway, "HEAD", "/checkout")
    assert head.status_code == 200 and not head.content and head.headers["Content-Type"].startswith("text/html")
    api_head = call(gateway, "HEAD", "/api/products/")
    assert api_head.status_code == 200 and not api_head.content
    assert api_head.headers["Content-Type"] == "application/json"
    options = call(gateway, "OPTIONS", "/api/products/")
    assert options.status_code == 200 and {"GET", "HEAD", "OPTIONS"} <= set(options.headers["Allow"].split(", "))
    missing = call(gateway, "HEAD", "/api/nothing/")
    assert missing.status_code == 404 and not missing.content
    assert missing.headers["Content-Type"] == "application/problem+json"
    # (the SPA's files take GET and HEAD only: test_errors.py)


# -- headers on every answer ---------------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers_once(gateway):
    answers = {
        "spa page": get(gateway, "/checkout"),
        "spa not found": get(gateway, "/no/such/page"),
        "asset": get(gateway, ASSET),
        "service json": get(gateway, "/api/categories/"),
        "service problem": get(gateway, "/api/products/no-such-product/"),
        "gateway problem": get(gateway, "/api/nothing/"),
        "health": get(gateway, "/healthz"),
    }
    for what, response in answers.items():
        for name in SECURITY:
            assert len(header_values(response, name)) == 1, (what, name, header_values(response, name))
        assert response.headers["X-Content-Type-Options"] == "nosniff", what
        assert response.headers["X-Frame-Options"] == "DENY", what
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", what
        assert "camera=()" in response.headers["Permissions-Policy"], what
        assert response.headers["Server"] == "nginx", what  # no version
    csp = directives(answers["spa page"].headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    # blob: for the back office's previews of photos before they are uploaded
    assert csp["img-src"] == ["'self'", "data:", "blob:"] and csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert not any("unsafe-eval" in values for values in csp.values())


def test_a_services_own_stricter_policy_is_kept(gateway):
    image = get(gateway, "/api/products/?page_size=1").json()["results"][0]["image"]
    response = get(gateway, image)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("image/svg+xml")
    assert header_values(response, "Content-Security-Policy") == ["default-src 'none'; sandbox"]
    assert header_values(response, "X-Content-Type-Options") == ["nosniff"]
    assert len(header_values(response, "X-Frame-Options")) == 1


def test_a_request_id_is_made_when_absent_and_passed_to_the_service(gateway, services):
    response = get(gateway, "/api/products/no-such-product/")
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id) and header_values(response, "X-Request-ID") == [request_id]
    # the service's own problem quotes the id it was given: the gateway's
    assert assert_problem(response, 404, "product_not_found")["request_id"] == request_id
    assert services["products"].recorder.seen[-1]["headers"]["x-request-id"] == request_id
    assert get(gateway, "/api/products/no-such-product/").headers["X-Request-ID"] != request_id


def test_a_clients_request_id_is_kept_everywhere(gateway, services):
    sent = {"X-Request-ID": "client-chosen.id:42"}
    response = get(gateway, "/api/products/no-such-product/", headers=sent)
    assert header_values(response, "X-Request-ID") == ["client-chosen.id:42"]
    assert response.json()["request_id"] == "client-chosen.id:42"
    assert services["products"].recorder.seen[-1]["headers"]["x-request-id"] == "client-chosen.id:42"
    own = get(gateway, "/api/nothing/", headers=sent)
    assert header_values(own, "X-Request-ID") == ["client-chosen.id:42"]
    assert own.json()["request_id"] == "client-chosen.id:42"
    assert header_values(get(gateway, "/", headers=sent), "X-Request-ID") == ["client-chosen.id:42"]


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "semi;colon", "quote\"d"])
def test_a_request_id_the_services_would_refuse_is_replaced(gateway, bad):
    response = get(gateway, "/api/nothing/", headers={"X-Request-ID": bad})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert response.json()["request_id"] == response.headers["X-Request-ID"]


def test_large_json_answers_are_gzipped_small_ones_are_not(gateway):
    big = get(gateway, "/api/products/?page_size=100", headers={"Accept-Encoding": "gzip"})
    assert big.status_code == 200 and big.headers["Content-Encoding"] == "gzip"
    assert len(big.json()["results"]) == 45
    spec = get(gateway, "/api/docs/products/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert spec.headers["Content-Encoding"] == "gzip"
    # also for a client behind a proxy of its own (nginx would not compress for one by default)
    proxied = get(gateway, "/api/products/?page_size=100", headers={"Accept-Encoding": "gzip", "Via": "1.1 cdn"})
    assert proxied.headers["Content-Encoding"] == "gzip"
    small = get(gateway, "/api/products/no-such-product/", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    plain = get(gateway, "/api/products/?page_size=100", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.json() == big.json()


def test_the_access_log_is_one_json_object_a_line(gateway):
    get(gateway, "/api/categories/", headers={"X-Request-ID": "access-log-check"})
    lines = [json.loads(line) for line in (gateway.directory / "logs" / "access.log").read_text().splitlines()]
    entry = next(e for e in lines if e["request_id"] == "access-log-check")
    assert entry["status"] == 200 and entry["method"] == "GET" and entry["uri"] == "/api/categories/"
    assert entry["route"] == "products" and entry["upstream_status"] == "200"
    assert float(entry["upstream_time"]) >= 0 and entry["request_time"] >= 0


def test_the_command_line_renders_and_checks_a_config(tmp_path, nginx_binary):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "gateway" / "nginx.py"), "check", str(tmp_path),
                           "--port", "23999", "--upstream", "products=127.0.0.1:9001", "--vite", "http://127.0.0.1:5173"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    conf = (tmp_path / "nginx.conf").read_text()
    users = load_gateway().load_routes().services["users"].local  # the manifest's, where none is given
    assert "server 127.0.0.1:9001;" in conf and f"server {users};" in conf and "listen 127.0.0.1:23999;" in conf
    refused = subprocess.run([sys.executable, str(ROOT / "gateway" / "nginx.py"), "render", str(tmp_path),
                              "--upstream", "mailer=127.0.0.1:1"], capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and "no service mailer" in refused.stderr
