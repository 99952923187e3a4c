"""gunicorn settings for every service: `gunicorn -c python:shop_common.gunicorn_conf 'users:create_app()'`.

Read from the environment (`shop_common.config.SERVER`: `SHOP_PORT`, `SHOP_WORKERS`, ...); gunicorn's
own `GUNICORN_CMD_ARGS` still wins. On SIGTERM
gunicorn stops accepting, lets in-flight requests finish for up to the graceful timeout, then exits.

This module is loaded before the app, which is what makes Prometheus multiprocess mode work: the metrics
folder is set before any worker imports prometheus_client.
"""

import atexit
import os
import shutil
import tempfile

from shop_common import manifest
from shop_common.config import COMMON, SERVER, load_settings
from shop_common.logs import logging_config

_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="shop-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
# a restart must not add the previous run's counts
for _entry in os.listdir(_metrics_dir):
    os.unlink(os.path.join(_metrics_dir, _entry))
_master_pid = os.getpid()


@atexit.register
def _remove_own_metrics_dir() -> None:
    # the master only (workers inherit this hook), and never a folder the operator chose
    if _own_metrics_dir and os.getpid() == _master_pid:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


_s = load_settings("gunicorn", SERVER + tuple(x for x in COMMON if x.name in ("LOG_LEVEL", "LOG_FORMAT")))
bind = f"{_s['HOST']}:{_s['PORT']}"
workers = _s["WORKERS"]
worker_class = "gthread"
threads = _s["THREADS"]
timeout = _s["TIMEOUT"]
graceful_timeout = _s["GRACEFUL_TIMEOUT"]
keepalive = _s["KEEPALIVE"]
forwarded_allow_ips = _s["FORWARDED_ALLOW_IPS"]
# heartbeat files in memory, not on a (possibly read-only) disk
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = None  # shop_common.observability logs each request, with its id
logconfig_dict = logging_config("gunicorn", _s["LOG_LEVEL"], _s["LOG_FORMAT"])
preload_app = True  # settings are checked once, in the master, before any worker starts
control_socket_disable = True  # no runtime control socket: nothing to write outside /tmp
# looser than the gateway's limits on a request head (services.toml), so that only the gateway refuses one, as
# problem+json: gunicorn's refusals (414, 431, 400) are HTML pages
_head = manifest.load().head_limits.gunicorn()
limit_request_line = _head["limit_request_line"]
limit_request_field_size = _head["limit_request_field_size"]
limit_request_fields = _head["limit_request_fields"]


def post_fork(server, worker):
    # a connection the master may have opened must not be shared by the workers
    app = getattr(server.app, "callable", None)
    db = getattr(app, "extensions", {}).get("sqlalchemy")
    if db is not None:
        with app.app_context():
            db.engine.dispose(close=False)


def child_exit(server, worker):
    from prometheus_client import multiprocess  # only now: the folder must be set before the import

    multiprocess.mark_process_dead(worker.pid)
