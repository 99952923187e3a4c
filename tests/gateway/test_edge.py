"""The edge answers every error itself, as problem+json: no request head the gateway lets through is refused by
gunicorn (whose refusals are HTML), no nginx page is HTML, a path without its slash keeps its method, and no
link a service makes names a host the client chose."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests

from shop_common.testing import wait_until

from .support import free_port, raw

JSON_TYPES = {"application/json", "application/problem+json"}


def _exchange(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `data` as it is; the answer's status, headers (lowercase names) and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as conn:
        conn.sendall(data)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split(" ")[1]), headers, body


@pytest.fixture(scope="module")
def gunicorn_products(services, public_url, tmp_path_factory):
    """The products service under gunicorn (its real server, with the kit's gunicorn settings) on the gateway
    tests' products database: `host:port`."""
    settings = services["products"].app.config["SHOP"]
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SHOP_")},
           "SHOP_ENV": "test", "SHOP_DATABASE_URL": settings["DATABASE_URL"], "SHOP_REDIS_URL": settings["REDIS_URL"],
           "SHOP_JWT_PUBLIC_KEY": settings["JWT_PUBLIC_KEY"], "SHOP_SERVICE_TOKEN": settings["SERVICE_TOKEN"],
           "SHOP_BACKGROUND": "false", "SHOP_TRUSTED_PROXIES": "1", "SHOP_SHOP_URL": public_url,
           "SHOP_HOST": "127.0.0.1", "SHOP_PORT": str(port), "SHOP_WORKERS": "1", "SHOP_THREADS": "4",
           "SHOP_LOG_LEVEL": "WARNING"}
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:shop_common.gunicorn_conf",
                                    "products:create_app()"], env=env, stdout=out, stderr=subprocess.STDOUT)

    def ready() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(ready, timeout=60)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="module")
def real_gateway(gateway_module, nginx_binary, services, gunicorn_products, spa_dir, tmp_path_factory):
    """The gateway in front of products under gunicorn (the other services as in the other tests)."""
    upstreams = {name: served.address for name, served in services.items()}
    gw = gateway_module.render(tmp_path_factory.mktemp("gateway-gunicorn"), port=free_port(), spa_dir=spa_dir,
                               upstreams={**upstreams, "products": gunicorn_products})
    gw.start()
    yield gw
    gw.stop()


def _request(path: str = "/api/categories/", headers: list[tuple[str, str]] = (), line_end: bytes = b"\r\n") -> bytes:
    lines = [f"GET {path} HTTP/1.1".encode(), b"Host: shop.test", b"Connection: close",
             *(f"{name}: {value}".encode() for name, value in headers)]
    return line_end.join(lines) + line_end + line_end


def _padded(length: int) -> str:
    """A path to the categories whose request line (`GET <path> HTTP/1.1`) is `length` bytes long."""
    base = "/api/categories/?pad="
    return base + "a" * (length - len("GET  HTTP/1.1") - len(base))


HEADS = {
    **{f"{n} headers": _request(headers=[(f"X-H{i}", "v") for i in range(n)])
       for n in (50, 95, 96, 100, 101, 200, 1000, 4000, 8000, 12000)},
    **{f"request line of {n} bytes": _request(_padded(n))
       for n in (2000, 4000, 4094, 4095, 4096, 5000, 8000, 8190, 8191, 9000, 20000)},
    **{f"a header of {n} bytes": _request(headers=[("X-Big", "b" * (n - len("X-Big: ")))])
       for n in (2000, 4000, 4094, 4095, 4096, 8000, 8190, 8191, 10 * 1024)},
    "X-Forwarded-For that nginx lengthens": _request(headers=[("X-Forwarded-For", "1" * 4080)]),
    "a request line ended by a bare LF": _request(_padded(4095), line_end=b"\n"),
    "a header ended by a bare LF": _request(headers=[("X-Big", "b" * 4088)], line_end=b"\n"),
    "40 headers of 800 bytes": _request(headers=[(f"X-H{i}", "c" * 800) for i in range(40)]),
}


@pytest.mark.parametrize("name", HEADS)
def test_no_request_head_the_gateway_lets_through_is_refused_by_gunicorn(real_gateway, gunicorn_products, name):
    status, headers, body = _exchange(real_gateway.port, HEADS[name])
    assert headers.get("content-type", "").split(";")[0] in JSON_TYPES, (name, status, headers, body[:200])
    if status == 200:  # gunicorn took it, and the service answered
        assert isinstance(json.loads(body), list)
    else:  # the gateway refused it itself
        problem = json.loads(body)
        assert (status, problem["code"]) in {(414, "uri_too_long"), (431, "request_header_fields_too_large")}, (
            name, status, problem)


def test_heads_just_within_the_gateways_limits_reach_the_service(real_gateway, gateway_module):
    limits = gateway_module.load_routes().head_limits
    for data in (_request(_padded(limits.buffer_bytes - 2)),
                 _request(headers=[("X-Big", "b" * (limits.buffer_bytes - 2 - len("X-Big: ")))]),
                 _request(headers=[(f"X-H{i}", "v") for i in range(500)]),
                 _request(headers=[(f"X-H{i}", "v" * 1000) for i in range(25)])):
        status, headers, _ = _exchange(real_gateway.port, data)
        assert status == 200, headers


def test_gunicorn_would_refuse_more_than_the_gateway_passes_with_an_html_page(gunicorn_products):
    """What the gateway keeps the clients from: gunicorn's own refusal, straight to it, is HTML."""
    port = int(gunicorn_products.rsplit(":", 1)[1])
    status, headers, _ = _exchange(port, _request(_padded(9000)))
    assert status == 414 and "text/html" in headers.get("content-type", ""), (status, headers)


# -- nginx's own pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, status, code", [
    (b"GET /index.html HTTP/1.1\r\nHost: x\r\nRange: bytes=999999-\r\nConnection: close\r\n\r\n", 416,
     "range_not_satisfiable"),
    (b'GET /index.html HTTP/1.1\r\nHost: x\r\nIf-Match: "not-this"\r\nConnection: close\r\n\r\n', 412,
     "precondition_failed"),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
    (b"POST /api/cart/add/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n", 501,
     "not_implemented"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n folded: header\r\nConnection: close\r\n\r\n", 400, "bad_request"),
    (b"GET / HTTP/1.1\r\nHost: bad/host\r\nConnection: close\r\n\r\n", 400, "bad_request"),
    (b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 400, "bad_request"),
])
def test_nginxs_other_refusals_are_problems_too(gateway, data, status, code):
    got, headers, body = _exchange(gateway.port, data)
    assert got == status, (got, headers, body[:300])
    assert headers["content-type"].split(";")[0] == "application/problem+json", headers
    problem = json.loads(body)
    assert problem["status"] == status and problem["code"] == code
    assert headers["x-content-type-options"] == "nosniff"


def test_every_status_nginx_has_a_page_for_is_the_gateways_own(gateway_module, gateway):
    """nginx's HTML pages (ngx_http_special_response.c) for the statuses this config can make: each has an
    error_page of ours."""
    conf = gateway.conf.read_text()
    own = {int(n) for n in re.findall(r"^\s*error_page (\d{3}) ", conf, re.M)}
    assert {400, 403, 404, 405, 408, 411, 412, 413, 414, 416, 429, 494, 500, 501, 502, 503, 504, 505} <= own


# -- trailing slashes --------------------------------------------------------------------------------------


def test_every_location_nginx_would_redirect_with_an_html_301_has_its_slashless_twin(gateway):
    """nginx answers `/x` itself with an HTML 301 to `/x/` when a proxied location is `/x/` and nothing takes
    `/x`: each such location has its exact twin."""
    conf = gateway.conf.read_text()
    proxied = re.findall(r"location (?:= )?(\S+/) \{\s*(?:limit_req [^;]*;\s*)?proxy_pass", conf)
    exact = set(re.findall(r"location = (\S+) \{", conf))
    assert proxied and {path[:-1] for path in proxied} <= exact, sorted({p[:-1] for p in proxied} - exact)


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/register", "/api/cart/add", "/api/order/create",
                                  "/api/products", "/api/categories"])
def test_a_post_without_the_trailing_slash_is_a_308_that_keeps_the_method(gateway, public_url, path):
    response = requests.post(gateway.url + path, json={}, allow_redirects=False, timeout=10)
    assert response.status_code == 308, (response.status_code, response.headers, response.text[:200])
    assert "text/html" not in response.headers.get("Content-Type", "")
    assert response.headers["Location"] == f"{public_url}{path}/"


def test_a_login_posted_without_its_slash_arrives_as_a_post(gateway):
    response = requests.post(f"{gateway.url}/api/auth/login", json={"username": "nobody", "password": "wrong"},
                             timeout=10)  # requests follows a 308 with the same method and body
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials", response.text
    assert [r.status_code for r in response.history] == [308]


# -- hosts a client chose ----------------------------------------------------------------------------------

EVIL = [{"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/evil"},
        {"Host": "evil.example:8443", "X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example"}]


@pytest.mark.parametrize("headers", EVIL)
def test_no_host_a_client_names_ends_up_in_a_pages_links(gateway, services, public_url, headers):
    for _ in range(2):  # the first fills the catalogue's cache, the second may come from it
        page = raw(gateway, "GET", "/api/products/?page=2&page_size=2", headers=headers)
        assert page.status_code == 200, page.text
        links = [page.json()["next"], page.json()["previous"]]
        assert all(link.startswith(f"{public_url}/api/products/?") for link in links), links
        assert "evil" not in page.text


@pytest.mark.parametrize("headers", EVIL)
def test_no_host_a_client_names_ends_up_in_a_redirect(gateway, public_url, headers):
    for path in ("/api/products?page=1", "/api/cart", "/api/auth/login"):
        answer = raw(gateway, "POST" if path.endswith("login") else "GET", path, headers=headers)
        assert answer.status_code == 308, (path, answer.status_code)
        assert answer.headers["Location"].startswith(public_url + path.split("?")[0] + "/"), answer.headers
        assert "evil" not in answer.headers["Location"]


def test_the_gateway_passes_on_no_forwarded_host_or_prefix_of_a_clients(gateway, services):
    raw(gateway, "GET", "/api/categories/", headers={"X-Forwarded-Host": "evil.example",
                                                     "X-Forwarded-Prefix": "/evil", "X-Request-ID": "no-evil-host"})
    seen = wait_until(lambda: next((r for r in services["products"].recorder.seen
                                    if r["headers"].get("x-request-id") == "no-evil-host"), None))
    assert "x-forwarded-host" not in seen["headers"] and "x-forwarded-prefix" not in seen["headers"]


def test_a_service_asked_directly_still_links_to_the_public_url(services, public_url):
    """Past the gateway (a pod reached inside the cluster), a forwarded host is not believed either."""
    answer = requests.get(f"http://{services['products'].address}/api/products/?page_size=1", timeout=10,
                          headers={"X-Forwarded-Host": "evil.example", "Host": "evil.example"})
    assert answer.json()["next"].startswith(f"{public_url}/api/products/?")
    assert urlsplit(answer.json()["next"]).netloc == urlsplit(public_url).netloc
