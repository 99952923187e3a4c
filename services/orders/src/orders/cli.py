"""`shop-orders`: the service's command line (Flask's: `shop-orders db upgrade`, `shop-orders housekeeping`...)."""

from flask.cli import FlaskGroup


def _create_app():
    from orders import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help=__doc__)
