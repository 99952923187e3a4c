"""shop_common: what every Shop service shares, and nothing domain-specific.

Import from the modules (`shop_common.app.service_app`, `shop_common.errors.Problem`, ...). This package
itself imports nothing on purpose: `shop_common.gunicorn_conf` must set up Prometheus' multiprocess folder
before anything imports prometheus_client.
"""
