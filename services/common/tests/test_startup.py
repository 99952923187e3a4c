"""A real service started without a required setting stops at once and says which one."""

from __future__ import annotations

import pytest

GUNICORN = ["gunicorn", "-c", "python:shop_common.gunicorn_conf", "users:create_app()"]
DB_UPGRADE = ["shop-users", "db", "upgrade"]


@pytest.fixture
def metrics_dir(tmp_path):
    """Ours, for gunicorn: the one it would make itself is removed only by a normal exit, not a refused start."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    return str(folder)


def test_gunicorn_without_any_setting_exits_naming_every_missing_one(start, uv_run, clean_env, free_port,
                                                                     metrics_dir):
    env = {**clean_env, "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
           "SHOP_HOST": "127.0.0.1", "SHOP_PORT": str(free_port())}  # if it ever got that far

    process = start([*uv_run, *GUNICORN], env, name="gunicorn")
    code = process.proc.wait(timeout=30)

    stderr = process.stderr()
    assert code != 0
    for name in ("SHOP_DATABASE_URL", "SHOP_REDIS_URL", "SHOP_JWT_PUBLIC_KEY", "SHOP_JWT_PRIVATE_KEY"):
        assert name in stderr
    assert "Traceback" not in stderr
    assert "Booting worker" not in stderr  # checked once, in the master, before any worker


def test_a_migration_in_development_without_a_database_url_exits_naming_only_that(start, uv_run, clean_env,
                                                                                  tmp_path):
    env = {**clean_env, "SHOP_ENV": "development", "SHOP_VAR_DIR": str(tmp_path / "var"),
           "SHOP_REDIS_URL": "redis://127.0.0.1:6379/0"}

    process = start([*uv_run, *DB_UPGRADE], env, name="db-upgrade")
    code = process.proc.wait(timeout=30)

    stderr = process.stderr()
    assert code != 0
    assert "SHOP_DATABASE_URL is required" in stderr
    assert "SHOP_JWT" not in stderr  # made in development, so not missing
    assert "Traceback" not in stderr


def test_gunicorn_refuses_a_malformed_server_setting_before_loading_the_app(start, uv_run, clean_env,
                                                                            metrics_dir):
    env = {**clean_env, "PROMETHEUS_MULTIPROC_DIR": metrics_dir, "SHOP_WORKERS": "zero"}

    process = start([*uv_run, *GUNICORN], env, name="gunicorn")
    code = process.proc.wait(timeout=30)

    stderr = process.stderr()
    assert code != 0
    assert "SHOP_WORKERS" in stderr
    assert "Traceback" not in stderr
