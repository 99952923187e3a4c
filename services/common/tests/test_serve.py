"""`shop-serve`, the images' entrypoint: an API under gunicorn, a worker's `worker` command, or what it is told."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shop_common.serve import command

SHOP_SERVE = Path(sys.executable).with_name("shop-serve")


def test_an_api_is_served_by_gunicorn_with_the_kits_settings():
    assert command("users") == ["gunicorn", "-c", "python:shop_common.gunicorn_conf", "users:create_app()"]


def test_a_worker_runs_its_worker_command():
    assert command("mailer") == ["shop-mailer", "worker"]


@pytest.mark.parametrize("service", ["nothing", "Users", "../users", ""])
def test_a_service_that_is_not_installed_is_refused_naming_it(service):
    with pytest.raises(SystemExit, match="SHOP_SERVICE"):
        command(service)


def test_without_a_service_it_exits_naming_the_setting():
    done = subprocess.run([str(SHOP_SERVE)], env={"PATH": str(SHOP_SERVE.parent)}, capture_output=True, text=True,
                          check=False)
    assert done.returncode != 0 and "SHOP_SERVICE is required" in done.stderr


def test_a_command_given_is_run_instead():
    done = subprocess.run([str(SHOP_SERVE), "python", "-c", "print('ran')"],
                          env={"PATH": str(SHOP_SERVE.parent), "SHOP_SERVICE": "users"}, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ran"
