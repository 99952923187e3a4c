"""Through the gateway, no answer is an HTML page and no link names a host the client chose (issue 15): many
request headers, a long request line, a POST without its trailing slash, and `X-Forwarded-Host` or `Host:
evil.example` in pagination links and redirects."""

from __future__ import annotations

import pytest

EVIL = "evil.example"


def _not_html(response) -> str:
    """The answer's media type, having checked it is JSON (a problem when it is an error)."""
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    assert "html" not in media and response.content[:1] in (b"{", b"["), (response.status_code, media,
                                                                           response.text[:200])
    if response.status_code >= 400:
        assert media == "application/problem+json", (response.status_code, media)
    return media


@pytest.mark.parametrize("count", [96, 100, 150])
def test_many_request_headers_are_answered_as_json(stack, count):
    headers = {f"X-Extra-{n}": "x" for n in range(count)}
    _not_html(stack.raw("GET", "/api/categories/", headers=headers))


@pytest.mark.parametrize("length", [4_095, 5_000, 8_000, 8_190])
def test_a_long_request_line_is_answered_as_json(stack, length):
    head = "GET /api/products/?search="
    path = "/api/products/?search=" + "a" * (length - len(head) - len(" HTTP/1.1"))
    assert len(f"GET {path} HTTP/1.1") == length
    _not_html(stack.raw("GET", path))


def test_a_post_without_its_trailing_slash_keeps_its_method(stack):
    shopper = stack.register("no-slash")
    response = stack.post("/api/auth/login", json={"username": shopper.username, "password": shopper.password})

    assert response.status_code != 301, response.headers.get("Location")
    if response.status_code in (307, 308):  # a method-keeping redirect to the route, never to another host
        assert response.headers["Location"] in ("/api/auth/login/", f"{stack.public_url}/api/auth/login/")
        if response.content:
            _not_html(response)
        again = stack.post(response.headers["Location"].removeprefix(stack.public_url),
                           json={"username": shopper.username, "password": shopper.password})
        assert again.status_code == 200, again.text
    else:
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("header", ["X-Forwarded-Host", "Host"])
def test_a_host_of_the_clients_never_reaches_pagination_links(stack, header):
    response = stack.raw("GET", "/api/products/?page=2&page_size=5", headers={header: EVIL})

    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert body["next"] and body["previous"], body
    assert EVIL not in (body["next"] or "") + (body["previous"] or ""), (body["next"], body["previous"])


@pytest.mark.parametrize("header", ["X-Forwarded-Host", "Host"])
def test_a_host_of_the_clients_never_reaches_a_redirect(stack, header):
    response = stack.raw("GET", "/api/categories", headers={header: EVIL})

    assert response.status_code in (200, 301, 307, 308), response.text[:300]
    assert EVIL not in response.headers.get("Location", ""), response.headers.get("Location")

