"""Structured logs: one JSON object a line (python-json-logger), each carrying the service and request id.

The request id lives in a context variable, so it reaches every log line of a request, including lines
from libraries and from gunicorn's own loggers, and `shop_common.http` passes it on to other services.
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class ContextFilter(logging.Filter):
    """Adds `service` and `request_id` to every record."""

    def __init__(self, service: str, missing: str | None = None):
        super().__init__()
        self.service = service
        self.missing = missing  # what stands for "no request id": null in JSON, "-" in text

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = request_id_var.get() or self.missing
        return True


def logging_config(service: str, level: str = "INFO", fmt: str = "json") -> dict:
    """A `logging.config.dictConfig` dict; gunicorn takes the same one as its `logconfig_dict`."""
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
        "text": {"format": "%(asctime)s %(levelname)-7s %(service)s [%(request_id)s] %(name)s: %(message)s"},
    }
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": fmt,
        "filters": ["context"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter, "service": service, "missing": "-" if fmt == "text" else None}},
        "formatters": {fmt: formatters[fmt]},
        "handlers": {"default": handler},
        "root": {"level": level, "handlers": ["default"]},
        "loggers": {
            # gunicorn adds its own handlers unless told otherwise; route it through ours
            "gunicorn.error": {"level": level, "handlers": ["default"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": ["default"], "propagate": False},
            "werkzeug": {"level": "WARNING"},
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def setup_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Configure the root logger once per process."""
    logging.config.dictConfig(logging_config(service, level, fmt))
