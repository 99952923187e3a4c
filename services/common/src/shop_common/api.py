"""flask-smorest's `Api`, made to describe problem+json truthfully, and the self-hosted Swagger UI.

The whole OpenAPI document is at `/openapi.json` (for the services' developers: the `/internal/` API and
the probes included); the public one, what a client can reach through the gateway, is at
`/docs/openapi.json`, beside the Swagger UI page at `/docs/` that shows it: every link of the page is
relative, so the gateway can publish the folder as `/api/docs/<service>/` without rewriting anything.
Swagger UI's files come from the `swagger-ui-bundle` wheel; no CDN is involved.
"""

from __future__ import annotations

import functools
import http
import json
from importlib.resources import files

import flask_smorest
import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint as FlaskBlueprint
from flask import Flask, Response, current_app, jsonify, redirect, request, send_from_directory
from flask_smorest.utils import prepare_response
from swagger_ui_bundle import swagger_ui_path
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy

from shop_common.errors import PROBLEM_JSON, Problem, ProblemSchema
from shop_common.schemas import MONEY_PATTERN, Money

_SWAGGER_FILES = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                  "favicon-32x32.png", "favicon-16x16.png"}


class Api(flask_smorest.Api):
    """`flask_smorest.Api` whose documented errors are problem+json, handled by `shop_common.errors`."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # shop_common.errors.init_errors handles every error; smorest's JSON shape is not ours
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON if status >= 400 else "application/json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error, as problem+json", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class _Present(MultiDictProxy):
    """webargs' view of the query string and headers, asking for a key only when it is there: werkzeug answers
    a missing key by building an HTTP error to catch (a page's query lacks most of its eight parameters)."""

    def __getitem__(self, key: str):
        return super().__getitem__(key) if key in self.data else ma.missing


class Parser(FlaskParser):
    """webargs' parser, made to answer every unreadable body with a 4xx instead of a 500.

    JSON with a number of thousands of digits or nested a hundred thousand deep is 400 `malformed_json`
    (Python's parser raises ValueError and RecursionError there); a body that is not JSON at all, where
    JSON is expected, is 415.
    """

    def _makeproxy(self, multidict, schema, *, cls=_Present):
        return super()._makeproxy(multidict, schema, cls=cls)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if req.content_length or req.headers.get("Transfer-Encoding"):
                raise Problem(415, "unsupported_media_type", "Send the body as application/json.")
            return missing
        try:
            return super()._raw_load_json(req)
        except (ValueError, RecursionError) as exc:
            if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
                raise
            raise json.JSONDecodeError(str(exc)[:100], "<body>", 0) from None


#: the header of every 503: how long to wait before sending the request again
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before sending the request again",
                               "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
#: the 503 of every authenticated operation (shop_common.auth), named in each description of a 503
REVOCATIONS_UNAVAILABLE = "revocations_unavailable: token revocations are being restored"
#: why any operation may answer 503 (shop_common.db, shop_common.auth), each with Retry-After
UNAVAILABLE = (f"database_unavailable: its database cannot answer now; {REVOCATIONS_UNAVAILABLE}. Each with "
               "Retry-After: send it again after that long")


class Blueprint(flask_smorest.Blueprint):
    """`flask_smorest.Blueprint` with the kit's parser, whose JSON-body views also document the 400
    (malformed JSON), 413 (body over the limit) and 415 (not JSON) answers the kit gives them, and whose
    every view documents a 503 (UNAVAILABLE, unless it documents its own). The probes' blueprint is
    smorest's own (shop_common.observability)."""

    ARGUMENTS_PARSER = Parser()

    def alt_response(self, status_code, response=None, *, description=None, **kwargs):
        # smorest drops a description given beside a response reference: an error described is written out
        # (the problem's schema and content type, and Retry-After on a 503)
        if response is not None and description is not None and int(status_code) >= 400:
            headers = RETRY_AFTER if int(status_code) == 503 else None
            return super().alt_response(status_code, schema=ProblemSchema, content_type=PROBLEM_JSON,
                                        description=description, headers=headers, **kwargs)
        return super().alt_response(status_code, response, description=description, **kwargs)

    def response(self, status_code, schema=None, **kwargs):
        document = super().response(status_code, schema, **kwargs)
        return lambda view: self.unavailable(document(view))

    def unavailable(self, view):
        """`view` documenting the 503 of UNAVAILABLE, unless it documents a 503 of its own already."""
        if 503 in getattr(view, "_apidoc", {}).get("response", {}).get("responses", {}):
            return view
        return self.alt_response(503, response="SERVICE_UNAVAILABLE", description=UNAVAILABLE)(view)

    def arguments(self, schema, *, location="json", **kwargs):
        # an instance made once: given a class, webargs makes (and deep-copies the fields of) one per request
        schema = schema() if isinstance(schema, type) else schema
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse
        required = kwargs.get("required", True)

        def decorator(view):
            view = parse(view)
            if required:
                view = _body_required(view)
            view = self.alt_response(400, response=http.HTTPStatus(400).name,
                                     description="malformed_json: the body is not JSON")(view)
            view = self.alt_response(415, response=http.HTTPStatus(415).name,
                                     description="unsupported_media_type: the body is not application/json")(view)
            return self.alt_response(413, response=http.HTTPStatus(413).name,
                                     description="payload_too_large: the body is over the limit")(view)

        return decorator


def _body_required(view):
    # smorest documents the body as required, webargs reads a missing one as {}: a PATCH without a body would
    # change nothing and answer 200; it is 422, as the document says
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not request.get_data(cache=True) and not request.headers.get("Transfer-Encoding"):
            raise Problem(422, "validation_error", "The request needs a JSON body.",
                          errors={"json": {"_schema": ["A JSON body is required."]}})
        return view(*args, **kwargs)

    return wrapper


def json_text(text: str, status: int = 200) -> Response:
    """An answer whose JSON is text already (a cached one): sent as it is. flask-smorest passes a Response
    through untouched, so the view's `response` schema still documents it but is not applied to it."""
    return Response(f"{text}\n", status=status, mimetype=current_app.json.mimetype)


def schema_name(schema) -> str:
    """OpenAPI component name of a schema: the class name without `Schema`, plus what sets an instance
    apart (`ProductIn`, `ProductInPartial`, `ProductInPartialWithoutVariants`), so no two collide."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type):
        if schema.partial:
            name += "Partial"
        if schema.only:
            name += "Only" + "".join(f.title().replace("_", "") for f in sorted(schema.only))
        if schema.exclude:
            name += "Without" + "".join(f.title().replace("_", "") for f in sorted(schema.exclude))
    return name


def _money_and_maps(_converter, field, ret: dict, **_: object) -> dict:
    # apispec takes a Decimal for a number, and a Length on a dict for a string's length
    if isinstance(field, Money):
        for bound in ("minimum", "maximum", "format"):
            ret.pop(bound, None)
        return {"type": "string", "pattern": MONEY_PATTERN}
    if isinstance(field, ma.fields.Dict):
        for length, count in (("minLength", "minProperties"), ("maxLength", "maxProperties")):
            if length in ret:
                ret[count] = ret.pop(length)
    return {}


#: what every document says of every operation, beyond what its schemas can
RULES = ("Every error is application/problem+json (RFC 9457) with a stable `code`. Money is a string of digits "
         "with at most two decimal places (`\"39.90\"`), never a JSON number. No text may hold a NUL character "
         "or a lone surrogate (422 `validation_error`).")


def init_api(app: Flask, title: str, description: str) -> Api:
    app.config.update(
        API_TITLE=title,
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": f"{description}\n\n{RULES}"},
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "serviceToken": {"type": "apiKey", "in": "header", "name": "X-Service-Token",
                                 "description": "for /internal/ endpoints, between services only"}}},
        },
    )
    api = Api(app, spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)})
    api.ma_plugin.converter.add_attribute_function(_money_and_maps)
    app.register_blueprint(_docs_blueprint(api))
    return api


#: paths never routed by the gateway: between services, and the probes of the platform
_UNPUBLISHED = ("/internal/", "/healthz", "/readyz", "/metrics")


def public_spec(spec: dict) -> dict:
    """The document without the paths a client cannot reach (`/internal/...`, the probes)."""
    paths = {path: item for path, item in spec.get("paths", {}).items() if not path.startswith(_UNPUBLISHED)}
    return {**spec, "paths": paths}


def _docs_blueprint(api: Api) -> FlaskBlueprint:
    bp = FlaskBlueprint("swagger_ui", __name__)
    own = files("shop_common") / "swagger"

    @bp.get("/docs")
    def docs_redirect():
        return redirect("docs/", code=308)

    @bp.get("/docs/")
    def docs_page():
        return send_from_directory(str(own), "index.html", max_age=0)

    @bp.get("/docs/init.js")
    def docs_init():
        return send_from_directory(str(own), "init.js", max_age=3600)

    @bp.get("/docs/openapi.json")
    def docs_spec():
        return jsonify(public_spec(api.spec.to_dict()))

    @bp.get("/docs/<name>")
    def docs_asset(name: str):
        if name not in _SWAGGER_FILES:
            raise Problem(404, "not_found", f"No documentation file {name!r}.")
        return send_from_directory(str(swagger_ui_path), name, max_age=86400)

    return bp
