# Shop: the one entry point. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-print-directory

# uv from PATH, else the one pip installs as a module (see the `uv` target)
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
# the storefront (Vue 3, Vite), and the Chromium its browser tests drive (Debian's, never a downloaded one)
NPM := npm --prefix frontend
CHROMIUM ?= /usr/bin/chromium

.PHONY: help uv install dev up down test lint format reset clean frontend-install chromium frontend-test bench bench-lighthouse load images

# `make bench`: the catalogue's size, and the knobs of bench/run.py (empty: its defaults)
PRODUCTS ?= 10000
DURATION ?=
CONNECTIONS ?=
KEEP ?=
# `make load`: where the shop is, how many shoppers, how fast they arrive, for how long; the local stack's key,
# for minted tokens (without it the shoppers register and log in)
LOAD_HOST ?= http://localhost:8000
LOAD_USERS ?= 20
LOAD_SPAWN_RATE ?= 5
LOAD_TIME ?= 1m
LOAD_KEYS ?= var/keys

help: ## list the targets
	@echo "Shop: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

uv: ## make sure uv (the Python package manager) is there, installing it from PyPI if not
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
	  python3 -m pip install --quiet uv || { \
	  echo "uv is missing and pip could not install it: see https://docs.astral.sh/uv/ (pip install uv)"; exit 1; }

install: uv ## install the Python workspace exactly as uv.lock says
	@$(UV) sync --locked --all-packages --quiet

dev: install ## run the whole shop at http://localhost:8000, reloading on save (Ctrl-C stops it); SYNTHETIC=N adds products
	@SHOP_DEV_SYNTHETIC=$(SYNTHETIC) $(UV) run python dev/stack.py dev

up: install ## start the shop in the background, production-like (gunicorn, nginx); returns once all of it is ready
	@SHOP_DEV_SYNTHETIC=$(SYNTHETIC) $(UV) run python dev/stack.py up

down: install ## stop what `make up` started, leaving nothing running
	@$(UV) run python dev/stack.py down

test: install lint frontend-install chromium ## run every test against real Postgres and Redis (embedded ones if none run), the shop from its images on Docker, then the storefront's
	@$(UV) run pytest
	@$(MAKE) frontend-test

lint: install ## check the Python code with ruff
	@$(UV) run ruff check .

format: install ## fix what ruff can fix by itself
	@$(UV) run ruff check --fix .

frontend-install: ## install the storefront's npm packages as frontend/package-lock.json says (when they changed)
	@command -v npm >/dev/null 2>&1 || { \
	  echo "npm is missing: install Node.js 20.19 or newer (it comes with npm), e.g. from https://nodejs.org/"; exit 1; }
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
	  || { echo "the storefront needs Node.js 20.19 or newer; this is $$(node --version)"; exit 1; }
	@if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then \
	  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) ci --no-audit --no-fund; fi

chromium: ## make sure Chromium is at /usr/bin/chromium for the browser tests (apt-get installs it as root on Debian)
	@[ -x "$(CHROMIUM)" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Chromium (apt-get)"; apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The storefront's browser tests need Chromium at $(CHROMIUM)."; \
	    echo "Install it: sudo apt-get install chromium (Debian, Ubuntu), or give its path: make test CHROMIUM=/path/to/chromium"; \
	    exit 1; \
	  fi; }

frontend-test: install frontend-install chromium ## the storefront: lint, unit tests, build (prints its initial JS), the browser journey
	@$(NPM) run lint
	@$(NPM) run test:unit
	@$(NPM) run build
	@CHROMIUM_PATH="$(CHROMIUM)" UV="$(UV)" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) run test:e2e

bench: install ## measure the shop through its gateway beside a bare-Flask ceiling (PRODUCTS=10000 DURATION= CONNECTIONS= KEEP=1); results in bench/results/ and README.md
	@$(UV) run python bench/run.py --products $(PRODUCTS) $(if $(DURATION),--seconds $(DURATION)) \
	  $(if $(CONNECTIONS),--connections $(CONNECTIONS)) $(if $(KEEP),--keep)

bench-lighthouse: install frontend-install chromium ## Lighthouse 12, mobile, on the storefront's pages (its four scores, LCP, TBT, CLS; URL= a running shop, else the bench's own stack); results in bench/results/lighthouse.md and README.md
	@CHROMIUM_PATH="$(CHROMIUM)" $(UV) run python bench/lighthouse.py $(if $(URL),--url $(URL))

load: install ## run the Locust load generator headless against a running shop (LOAD_HOST= LOAD_USERS= LOAD_SPAWN_RATE= LOAD_TIME=)
	@SHOP_LOAD_KEYS="$$([ -f '$(LOAD_KEYS)/es256/private.pem' ] && echo '$(LOAD_KEYS)')" $(UV) run locust \
	  -f bench/locustfile.py --headless --host $(LOAD_HOST) -u $(LOAD_USERS) -r $(LOAD_SPAWN_RATE) -t $(LOAD_TIME) \
	  --only-summary

images: install ## build the container images of charts/shop/values.yaml (stand-in bases where the official ones cannot be pulled)
	@$(UV) run python dev/images.py build

reset: ## delete var/: local databases, development keys, staff login
	rm -rf var

clean: ## delete the virtualenv and caches
	rm -rf .venv .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
