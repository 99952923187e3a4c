"""What the kit gives the users service: request ids, JSON logs, problem+json for every error, health,
metrics, and an OpenAPI document that tells the truth about all of it."""

import json
import logging

import pytest
from openapi_spec_validator import validate

from shop_common.logs import logging_config
from shop_common.testing import assert_problem
from users import create_app


def test_a_request_id_is_made_when_missing_and_kept_when_given(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123.x"}).headers["X-Request-ID"] == "abc-123.x"
    # an id that could forge log lines or headers is replaced, not echoed
    for bad in ["a b", "x" * 200, "id\r\nSet-Cookie: a=b", "ü"]:
        response = client.get("/healthz", headers={"X-Request-ID": bad.encode("latin-1", "replace").decode(
            "latin-1")}) if "\r" not in bad else client.get("/healthz", headers={"X-Request-ID": "a\tb"})
        assert response.headers["X-Request-ID"] != bad and len(response.headers["X-Request-ID"]) == 32


def test_problems_carry_the_request_id(client):
    response = client.get("/api/users/profile/", headers={"X-Request-ID": "trace-me-1"})
    assert assert_problem(response, 401)["request_id"] == "trace-me-1"


def test_every_log_line_is_json_with_service_and_request_id(capsys):
    logging.config.dictConfig(logging_config("users", "INFO", "json"))
    from shop_common.logs import request_id_var

    token = request_id_var.set("req-42")
    try:
        logging.getLogger("shop.test").info("hello %s", "world", extra={"order": 7})
    finally:
        request_id_var.reset(token)
        logging.config.dictConfig(logging_config("users", "WARNING", "text"))
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "hello world" and line["service"] == "users"
    assert line["request_id"] == "req-42" and line["level"] == "INFO" and line["order"] == 7


def test_the_access_log_names_the_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="shop.access"):
        client.get("/api/users/profile/", headers={"X-Request-ID": "logged-1"})
    record = next(r for r in caplog.records if r.name == "shop.access")
    assert (record.method, record.path, record.status) == ("GET", "/api/users/profile/", 401)
    assert record.request_id == "logged-1" and record.duration_ms >= 0


@pytest.mark.parametrize("method, path, status, code", [
    ("GET", "/api/nothing/", 404, "not_found"),
    ("GET", "/api/users/profile/%00", 404, "not_found"),
    ("DELETE", "/api/auth/login/", 405, "method_not_allowed"),
    ("PUT", "/api/users/profile/", 405, "method_not_allowed"),
    ("GET", "/api/auth/register/", 405, "method_not_allowed"),
])
def test_unknown_paths_and_methods_are_problems(client, method, path, status, code):
    response = client.open(path, method=method)
    assert_problem(response, status, code)
    if status == 405:
        assert "POST" in response.headers["Allow"] or "PATCH" in response.headers["Allow"]


def test_a_nul_in_the_query_is_422(client):
    body = assert_problem(client.get("/healthz?x=a%00b"), 422, "validation_error")
    assert body["errors"]["query"]["x"]


def test_unhandled_errors_are_500_problems_without_a_traceback(shop_app, jwt_keys, capsys):
    app = shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert body["request_id"]
    logged = capsys.readouterr().err  # the traceback goes to the log, with the request id
    assert "RuntimeError: secret internals" in logged and body["request_id"] in logged


def test_health_endpoints(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok",
                                                                             "revocations": "ok"}}


def test_metrics_count_requests_by_route_and_status(client):
    for _ in range(3):
        client.get("/api/users/profile/")
    text = client.get("/metrics").get_data(as_text=True)
    line = next(line for line in text.splitlines() if line.startswith("http_requests_total{")
                and 'route="/api/users/profile/"' in line and 'status="401"' in line)
    assert float(line.rsplit(" ", 1)[1]) >= 3
    assert "http_request_duration_seconds_bucket" in text


def test_the_openapi_document_is_valid_and_describes_errors_as_problems(client):
    spec = client.get("/openapi.json").get_json()
    validate(spec)
    public = client.get("/docs/openapi.json").get_json()  # what the gateway publishes
    validate(public)
    assert public == {**spec, "paths": {p: item for p, item in spec["paths"].items()
                                        if p.startswith(("/api/auth/", "/api/users/"))}}
    assert "/internal/users/{user_id}/" in spec["paths"]
    paths = spec["paths"]
    assert {"/api/auth/register/", "/api/auth/login/", "/api/auth/refresh/", "/api/auth/logout/",
            "/api/users/profile/", "/healthz", "/readyz", "/metrics"} <= set(paths)
    def content(answer: dict) -> list[str]:  # a response written out, or a reference to a component
        if "$ref" in answer:
            answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        return list(answer["content"])

    for path, item in paths.items():  # every error of every operation is a problem
        for method, operation in item.items():
            if method == "parameters":  # the path's own, not an operation
                continue
            for status, answer in operation["responses"].items():
                if status == "default" or int(status) >= 400:
                    assert content(answer) == ["application/problem+json"], (method, path, status)
    assert content(spec["components"]["responses"]["DEFAULT_ERROR"]) == ["application/problem+json"]
    problem = spec["components"]["schemas"]["Problem"]["properties"]
    assert {"type", "title", "status", "code", "detail", "errors"} <= set(problem)
    profile = paths["/api/users/profile/"]
    assert profile["get"]["security"] == [{"bearerAuth": []}]
    assert "401" in profile["get"]["responses"] and "422" in profile["patch"]["responses"]
    assert {"400", "409", "413", "422"} <= set(paths["/api/auth/register/"]["post"]["responses"])
    assert "429" in paths["/api/auth/login/"]["post"]["responses"]
    assert paths["/api/auth/logout/"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in paths["/api/auth/login/"]["post"]


def test_swagger_ui_is_served_by_the_service_itself(client):
    page = client.get("/docs/")
    assert page.status_code == 200 and b'id="swagger-ui"' in page.data
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html and "<script>" not in html
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "init.js"):
        response = client.get(f"/docs/{asset}")
        assert response.status_code == 200 and len(response.data) > 100, asset
    assert client.get("/docs").status_code == 308
    assert_problem(client.get("/docs/secret.py"), 404)


def test_cors_is_off_by_default_and_allows_only_the_configured_origins(client, shop_app, jwt_keys):
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    assert "Access-Control-Allow-Origin" not in client.options("/api/auth/login/", headers=preflight).headers
    app = shop_app(create_app, JWT_PRIVATE_KEY=jwt_keys.private_pem, CORS_ORIGINS=("https://shop.example",))
    allowed = app.test_client().options("/api/auth/login/", headers=preflight)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    other = app.test_client().options("/api/auth/login/", headers={**preflight, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_missing_trailing_slash_redirects_without_an_html_page(client):
    response = client.get("/api/users/profile")
    assert response.status_code == 308 and response.headers["Location"].endswith("/api/users/profile/")
    assert response.data == b"" and "html" not in response.headers.get("Content-Type", "")
