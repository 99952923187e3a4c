"""The kit's languages: what a request's Accept-Language chooses, what an answer says of its language and
whether it may be kept, and the Accept-Language passed on to the services a request calls."""

import pytest
from flask import Flask, jsonify

from shop_common.language import DEFAULT, LANGUAGES, answered_in, cache_control, current, localized, negotiate


@pytest.mark.parametrize(("header", "language"), [
    (None, "en"), ("", "en"), ("ru", "ru"), ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"), ("RU-ru", "ru"),
    ("en-GB,en;q=0.9,ru;q=0.8", "en"), ("de-DE,de;q=0.9,ru;q=0.5", "ru"), ("de, fr", "en"), ("ru;q=0", "en"),
    ("*", "en"), ("en;q=0.2, ru;q=0.3", "ru"), ("ru;q=abc, en", "en"), ("ru;q=2", "en"), (";;;,,,", "en"),
    ("en, ru", "en"), ("ru, en", "ru"),
])
def test_accept_language_chooses_one_of_the_shops_languages(header, language):
    assert negotiate(header) == language
    assert DEFAULT == LANGUAGES[0] == "en"


def _app() -> Flask:
    app = Flask(__name__)

    @app.get("/text")
    def text():
        return jsonify(language=current())

    @app.get("/columns")
    def columns():
        answered_in(DEFAULT)
        return jsonify(language=DEFAULT)

    @app.get("/missing")
    def missing():
        return jsonify(code="not_found"), 404

    @app.get("/own")
    def own():
        return jsonify(), 200, {"Cache-Control": "no-cache"}

    @app.post("/text")
    def write():
        return jsonify(language=current()), 201

    app.after_request(localized)
    app.after_request(cache_control(5))
    return app


def test_an_answer_says_its_language_and_that_it_varies_with_accept_language():
    client = _app().test_client()
    russian = client.get("/text", headers={"Accept-Language": "ru-RU"})
    assert russian.get_json() == {"language": "ru"} and russian.headers["Content-Language"] == "ru"
    assert "Accept-Language" in russian.headers["Vary"]
    assert client.get("/text").headers["Content-Language"] == "en"
    # what the view said it answered in, whatever was asked
    assert client.get("/columns", headers={"Accept-Language": "ru"}).headers["Content-Language"] == "en"
    assert client.post("/text", headers={"Accept-Language": "ru"}).headers["Content-Language"] == "ru"
    error = client.get("/missing", headers={"Accept-Language": "ru"})
    assert "Content-Language" not in error.headers and "Vary" not in error.headers


def test_public_reads_may_be_kept_and_reads_with_a_token_never():
    client = _app().test_client()
    assert client.get("/text").headers["Cache-Control"] == "public, max-age=5"
    assert client.get("/text", headers={"Authorization": "Bearer x"}).headers["Cache-Control"] == "private, no-store"
    assert client.get("/missing", headers={"Authorization": "Bearer x"}).headers["Cache-Control"] == \
        "private, no-store"
    assert "Cache-Control" not in client.get("/missing").headers
    assert "Cache-Control" not in client.post("/text").headers
    assert client.get("/own").headers["Cache-Control"] == "no-cache"  # a view's own is kept
