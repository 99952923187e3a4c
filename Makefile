# Shop: the one entry point. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-print-directory

# uv from PATH, else the one pip installs as a module (see the `uv` target)
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: help uv install dev up down test lint format reset clean

help: ## list the targets
	@echo "Shop: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

uv: ## make sure uv (the Python package manager) is there, installing it from PyPI if not
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
	  python3 -m pip install --quiet uv || { \
	  echo "uv is missing and pip could not install it: see https://docs.astral.sh/uv/ (pip install uv)"; exit 1; }

install: uv ## install the Python workspace exactly as uv.lock says
	@$(UV) sync --locked --quiet

dev: install ## run the whole shop at http://localhost:8000, reloading on save (Ctrl-C stops it); SYNTHETIC=N adds products
	@SHOP_DEV_SYNTHETIC=$(SYNTHETIC) $(UV) run python dev/stack.py dev

up: install ## start the shop in the background, production-like (gunicorn, nginx); returns once all of it is ready
	@SHOP_DEV_SYNTHETIC=$(SYNTHETIC) $(UV) run python dev/stack.py up

down: install ## stop what `make up` started, leaving nothing running
	@$(UV) run python dev/stack.py down

test: install lint ## run every test against real Postgres and Redis (embedded ones if none run)
	@$(UV) run pytest

lint: install ## check the Python code with ruff
	@$(UV) run ruff check .

format: install ## fix what ruff can fix by itself
	@$(UV) run ruff check --fix .

reset: ## delete var/: local databases, development keys, staff login
	rm -rf var

clean: ## delete the virtualenv and caches
	rm -rf .venv .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
