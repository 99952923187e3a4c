"""The gateway's own errors are problem+json shaped like the services'; the services' own errors pass
through untouched."""

from __future__ import annotations

import json
import re
import socket
import time

import pytest
import requests

from shop_common.testing import assert_problem, wait_until

from .support import READ_TIMEOUT, ROOT, load_gateway, raw

PROBLEM_KEYS = {"type", "title", "status", "code", "detail", "request_id"}


def test_a_body_over_one_mib_is_refused_before_any_service_sees_it(gateway, services):
    before = len(services["users"].recorder.seen)
    body = b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = requests.post(f"{gateway.url}/api/auth/register/", data=body, timeout=10,
                             headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 413, "payload_too_large")
    assert set(problem) == PROBLEM_KEYS and problem["title"] == "Request Entity Too Large"
    assert problem["request_id"] == response.headers["X-Request-ID"]
    assert len(services["users"].recorder.seen) == before
    # just under the limit, the service decides (and finds the username far too long)
    near = b'{"username": "' + b"a" * (1024 * 1024 - 100) + b'"}'
    response = requests.post(f"{gateway.url}/api/auth/register/", data=near, timeout=10,
                             headers={"Content-Type": "application/json"})
    assert_problem(response, 422)
    assert len(services["users"].recorder.seen) == before + 1


def test_a_photo_upload_alone_may_be_up_to_10_mib(gateway, services, token):
    import io

    from PIL import Image

    seen = services["products"].recorder.seen
    slug = requests.get(f"{gateway.url}/api/products/?page_size=1", timeout=10).json()["results"][0]["slug"]
    staff = {"Authorization": f"Bearer {token(1, staff=True)}"}
    url = f"{gateway.url}/api/products/{slug}/images/"

    def send(data: bytes, name="a.jpg", kind="image/jpeg"):
        return requests.post(url, files={"file": (name, data, kind)}, headers=staff, timeout=30)

    before = len(seen)
    # 5 MiB reach the service, which finds them no image
    assert_problem(send(b"\xff" * (5 * 1024 * 1024)), 422, "invalid_image")
    assert len(seen) == before + 1
    # over the route's limit: the gateway refuses, the service never sees it
    problem = assert_problem(send(b"\xff" * (11 * 1024 * 1024)), 413, "payload_too_large")
    assert set(problem) == PROBLEM_KEYS
    assert len(seen) == before + 1
    # every other path of products keeps 1 MiB
    for method, path in (("PATCH", f"/api/products/{slug}/"), ("POST", f"/api/products/{slug}/images/1/"),
                         ("POST", "/api/categories/")):
        response = requests.request(method, f"{gateway.url}{path}", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                                    headers={**staff, "Content-Type": "application/json"}, timeout=10)
        assert_problem(response, 413, "payload_too_large")
    assert len(seen) == before + 1
    # a real photo goes through, and is served as the service serves it
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 60, 30)).save(out, "JPEG")
    created = send(out.getvalue())
    assert created.status_code == 201, created.text
    photo = created.json()
    served = requests.get(f"{gateway.url}{photo['url']}", timeout=10)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/webp"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = requests.get(f"{gateway.url}{photo['url']}", headers={"If-None-Match": served.headers["ETag"]},
                         timeout=10)
    assert again.status_code == 304
    # the service's own 412 passes through as it is
    conflict = requests.delete(f"{url}{photo['id']}/", headers={**staff, "If-Match": '"stale"'}, timeout=10)
    assert assert_problem(conflict, 412, "version_conflict")["detail"].startswith("It has changed")
    assert requests.delete(f"{url}{photo['id']}/", headers=staff, timeout=10).status_code == 204


def test_repeated_logins_from_one_address_are_throttled_by_the_gateway(gateway, services):
    # from an address of their own, so no other test's logins count; each with another username, so the
    # users service's own per-account throttling stays out of it
    seen = services["users"].recorder

    def login(n: int, source: str = "127.0.0.2"):
        return raw(gateway, "POST", "/api/auth/login/", source=source,
                   body=f'{{"username": "nobody-{n}", "password": "wrong password"}}'.encode(),
                   headers={"Content-Type": "application/json"})

    answers = [login(n) for n in range(8)]
    statuses = [a.status_code for a in answers]
    # 10 a minute with a burst of 5: the first 6 reach the service (which refuses the credentials)
    assert statuses == [401] * 6 + [429] * 2, statuses
    throttled = answers[-1]
    problem = assert_problem(throttled, 429, "too_many_requests")
    assert set(problem) == PROBLEM_KEYS
    assert throttled.headers["Retry-After"] == "6"
    assert throttled.headers["X-Content-Type-Options"] == "nosniff"  # the security headers are there too
    assert problem["request_id"] == throttled.headers["X-Request-ID"]
    reached = [r for r in seen.seen if r["headers"].get("x-real-ip") == "127.0.0.2"]
    assert len(reached) == 6
    # per address: another client is not held back; and other routes are not throttled at all
    assert login(99, source="127.0.0.3").status_code == 401
    assert raw(gateway, "GET", "/api/categories/", source="127.0.0.2").status_code == 200
    assert raw(gateway, "POST", "/api/auth/refresh/", source="127.0.0.2", body=b'{"refresh": "x"}',
               headers={"Content-Type": "application/json"}).status_code == 401


def test_a_service_that_is_down_is_a_503_and_a_service_answering_for_another_passes_through(
        gateway, services, token):
    products = services["products"].server
    shopper = {"Authorization": f"Bearer {token(31)}"}
    products.stop()
    try:
        response = requests.get(f"{gateway.url}/api/categories/", timeout=10)
        problem = assert_problem(response, 503, "service_unavailable")
        assert set(problem) == PROBLEM_KEYS and "products" in problem["detail"]
        assert response.headers["Retry-After"].isdigit()  # the client is told when to come back
        docs = requests.get(f"{gateway.url}/api/docs/products/openapi.json", timeout=10)
        assert_problem(docs, 503, "service_unavailable")  # a .json path, and still problem+json
        # the cart service is up: its own 503 (it cannot reach products) reaches the client as it made it
        added = requests.post(f"{gateway.url}/api/cart/add/", json={"product_id": 1}, headers=shopper, timeout=10)
        problem = assert_problem(added, 503, "products_unavailable")
        assert "Retry-After" in added.headers and "try again shortly" not in problem["detail"]
    finally:
        products.start()
    wait_until(lambda: requests.get(f"{gateway.url}/api/categories/", timeout=10).status_code == 200)


def test_a_service_too_slow_is_a_504(gateway, services):
    switch = services["products"].server.switch
    switch.delay, switch.mode = READ_TIMEOUT + 2, "slow"
    try:
        started = time.monotonic()
        response = requests.get(f"{gateway.url}/api/categories/", timeout=10)
        waited = time.monotonic() - started
    finally:
        switch.mode = "normal"
    problem = assert_problem(response, 504, "gateway_timeout")
    assert set(problem) == PROBLEM_KEYS and "products" in problem["detail"]
    assert response.headers["Retry-After"].isdigit()
    assert waited < switch.delay  # the client heard from the gateway before the service would have answered


def test_a_services_own_errors_pass_through_untouched(gateway, services):
    app = services["products"].app.test_client()
    direct = app.get("/api/products/no-such-product/", headers={"X-Request-ID": "same-either-way"})
    through = requests.get(f"{gateway.url}/api/products/no-such-product/", timeout=10,
                           headers={"X-Request-ID": "same-either-way"})
    assert through.status_code == direct.status_code == 404
    assert through.headers["Content-Type"] == direct.headers["Content-Type"] == "application/problem+json"
    assert through.json() == direct.get_json()
    assert through.json()["code"] == "product_not_found"

    account = {"username": "twice", "email": "twice@example.com", "password": "correct horse battery"}
    assert requests.post(f"{gateway.url}/api/auth/register/", json=account, timeout=10).status_code == 201
    again = requests.post(f"{gateway.url}/api/auth/register/", json=account, timeout=10)
    assert assert_problem(again, 409)["code"] in ("username_taken", "email_taken")
    invalid = requests.post(f"{gateway.url}/api/auth/register/", json={"username": ""}, timeout=10)
    assert "errors" in assert_problem(invalid, 422)
    malformed = requests.post(f"{gateway.url}/api/auth/register/", data=b"{not json", timeout=10,
                              headers={"Content-Type": "application/json"})
    assert_problem(malformed, 400, "malformed_json")
    # a service's 404 for an unknown route of its own is its own too (no gateway page in between)
    unknown = requests.get(f"{gateway.url}/api/products/a/b/c/d/", timeout=10)
    assert assert_problem(unknown, 404)["detail"] != "Nothing is published at this path."


def test_a_method_the_storefronts_files_do_not_take_is_a_405_problem_that_says_which_they_do(gateway):
    for method, path in (("POST", "/"), ("PUT", "/checkout"), ("DELETE", "/index.html"),
                         ("OPTIONS", "/"), ("POST", "/assets/app-abc123.js")):
        response = requests.request(method, gateway.url + path, data=b"x" if method in ("POST", "PUT") else None,
                                    allow_redirects=False, timeout=10)
        problem = assert_problem(response, 405, "method_not_allowed")
        assert set(problem) == PROBLEM_KEYS and problem["title"] == "Method Not Allowed"
        assert response.raw.headers.getlist("Allow") == ["GET, HEAD"], (method, path)
        assert response.raw.headers.getlist("X-Request-ID") == [problem["request_id"]]
        # the security headers of every answer, once each
        for name, value in load_gateway().SECURITY_HEADERS.items():
            assert response.raw.headers.getlist(name) == [value], (method, path, name)
        assert len(response.raw.headers.getlist("Content-Security-Policy")) == 1


def _send(gateway, data: bytes) -> tuple[str, dict]:
    """Bytes nginx cannot make a request of: its answer's status line and JSON body."""
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as conn:
        conn.sendall(data)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert headers["content-type"] == "application/problem+json", answer[:300]
    assert headers["x-content-type-options"] == "nosniff"
    return lines[0], json.loads(body)


@pytest.mark.parametrize("data, status, code", [
    (b"NOT AN HTTP REQUEST\r\n\r\n", 400, "bad_request"),
    (b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
    # a header over nginx's buffers (its own status 494), one alone or all of them together
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431,
     "request_header_fields_too_large"),
    (b"GET /api/categories/ HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (n, b"a" * 7000)
                                                                 for n in range(6)) + b"\r\n", 431,
     "request_header_fields_too_large"),
])
def test_requests_nginx_cannot_read_are_problems_too(gateway, services, data, status, code):
    before = {name: len(served.recorder.seen) for name, served in services.items()}
    status_line, problem = _send(gateway, data)
    assert status_line.split(" ", 2)[:2] == ["HTTP/1.1", str(status)], status_line
    assert problem["status"] == status and problem["code"] == code and set(problem) == PROBLEM_KEYS
    assert {name: len(served.recorder.seen) for name, served in services.items()} == before


def test_the_readme_lists_every_error_the_gateway_makes():
    rows = re.findall(r"^\| (\d{3}) \| `([a-z_]+)` \|", (ROOT / "gateway" / "README.md").read_text(), re.M)
    assert {int(status): code for status, code in rows} == {s: code for s, (code, _) in load_gateway().ERRORS.items()}
    assert len(rows) == len(load_gateway().ERRORS)
