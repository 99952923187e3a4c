"""The ceiling of the stack: a bare Flask app answering one small JSON object at every path.

`make bench` runs it under gunicorn with the shop's own gunicorn settings (`shop_common.gunicorn_conf`: the
same SHOP_WORKERS, SHOP_THREADS, gthread workers, keep-alive) behind the gateway's own nginx config, rendered
with every route's upstream pointing at it. Nothing a service does is here: no database, no Redis, no schema,
no request id, no log line. What the shop's endpoints reach, as a share of this, is what the kit and the
service cost on top of Flask, gunicorn and nginx.

    gunicorn -c python:shop_common.gunicorn_conf --chdir bench 'ceiling:create_app()'
"""

from __future__ import annotations

from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask("ceiling")

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def answer(path: str):
        return jsonify(status="ok", path=path)

    return app
