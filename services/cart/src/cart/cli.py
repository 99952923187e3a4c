"""`shop-cart`: the service's command line (Flask's: `shop-cart db upgrade`, ...)."""

from flask.cli import FlaskGroup


def _create_app():
    from cart import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help=__doc__)
