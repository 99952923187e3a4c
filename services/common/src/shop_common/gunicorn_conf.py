"""gunicorn settings for every service: `gunicorn -c python:shop_common.gunicorn_conf 'users:create_app()'`.

Read from the environment (`SHOP_PORT`, `SHOP_WORKERS`, `SHOP_THREADS`, `SHOP_TIMEOUT`,
`SHOP_GRACEFUL_TIMEOUT`, `SHOP_KEEPALIVE`); gunicorn's own `GUNICORN_CMD_ARGS` still wins. On SIGTERM
gunicorn stops accepting, lets in-flight requests finish for up to the graceful timeout, then exits.

This module is loaded before the app, which is what makes Prometheus multiprocess mode work: the metrics
folder is set before any worker imports prometheus_client.
"""

import os
import shutil
import tempfile

from shop_common.logs import logging_config

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="shop-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
# a restart must not add the previous run's counts
for _entry in os.listdir(_metrics_dir):
    os.unlink(os.path.join(_metrics_dir, _entry))

bind = f"{os.environ.get('SHOP_HOST', '0.0.0.0')}:{os.environ.get('SHOP_PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("SHOP_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("SHOP_THREADS", "4"))
timeout = int(os.environ.get("SHOP_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("SHOP_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("SHOP_KEEPALIVE", "5"))
# heartbeat files in memory, not on a (possibly read-only) disk
worker_tmp_dir = os.environ.get("SHOP_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)  # noqa: S108
accesslog = None  # shop_common.observability logs each request, with its id
logconfig_dict = logging_config(os.environ.get("SHOP_SERVICE_NAME", "gunicorn"),
                                os.environ.get("SHOP_LOG_LEVEL", "INFO"),
                                os.environ.get("SHOP_LOG_FORMAT", "json"))
preload_app = True  # settings are checked once, in the master, before any worker starts
control_socket_disable = True  # no runtime control socket: nothing to write outside /tmp
forwarded_allow_ips = os.environ.get("SHOP_FORWARDED_ALLOW_IPS", "127.0.0.1")


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


def on_exit(server):
    if _metrics_dir.startswith(tempfile.gettempdir()):
        shutil.rmtree(_metrics_dir, ignore_errors=True)
