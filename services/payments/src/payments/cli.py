"""`shop-payments`: the service's command line (Flask's: `shop-payments db upgrade`, ...)."""

from flask.cli import FlaskGroup


def _create_app():
    from payments import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help=__doc__)
