"""The page envelope's links: the request's own query, with only `page` changed."""

from urllib.parse import parse_qs, urlsplit

from flask import Flask

from shop_common.pagination import envelope


def test_links_keep_every_value_of_a_parameter_given_several_times():
    with Flask(__name__).test_request_context("/api/things/?status=a&status=b,c&page=2&page_size=1&q=x%20y"):
        page = envelope({"page": 2, "page_size": 1}, 3, [])
    for link, number in ((page["next"], "3"), (page["previous"], "1")):
        parts = urlsplit(link)
        assert parts.path == "/api/things/"
        assert parse_qs(parts.query) == {"status": ["a", "b,c"], "page": [number], "page_size": ["1"], "q": ["x y"]}


def test_the_last_page_has_no_next_and_the_first_no_previous():
    with Flask(__name__).test_request_context("/api/things/?page_size=2"):
        assert envelope({"page": 1, "page_size": 2}, 2, [])["next"] is None
        assert envelope({"page": 1, "page_size": 2}, 3, [])["previous"] is None
