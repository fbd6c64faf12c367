# procure — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
LOCALE_DIR := src/procure/locale
PROCURE_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
export PROCURE_TEST_POSTGRES_URL

# Debian packages the project needs: Chromium for browser tests, a CJK font for PDFs,
# Pango and HarfBuzz's subsetter for WeasyPrint, poppler-utils (pdftotext, pdffonts) for PDF tests,
# postgresql-client (pg_dump, pg_restore, psql) for `procure backup` / `restore` on PostgreSQL.
SYSTEM_PACKAGES := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	poppler-utils postgresql-client

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(BIN)/procure: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) is required"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

.PHONY: install
install: $(BIN)/procure i18n ## Create .venv, install the package, compile the message catalogs

.PHONY: system-deps
system-deps: ## Install the Debian packages the tests need (Chromium, CJK fonts, Pango, poppler) where missing
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

.PHONY: i18n
i18n: $(BIN)/procure ## Compile the message catalogs (.po → .mo)
	@$(BIN)/pybabel compile --statistics -d $(LOCALE_DIR) -D messages 2>&1 | grep -v "^$$" || true

.PHONY: i18n-extract
i18n-extract: $(BIN)/procure ## Extract messages and update the catalogs (then translate the new ones)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header -o $(LOCALE_DIR)/messages.pot src templates
	$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -D messages --no-fuzzy-matching

.PHONY: run
run: install system-deps ## Migrate the SQLite database, load the demo data and serve on HOST:PORT
	$(BIN)/procure db upgrade
	$(BIN)/procure demo load
	@echo ""
	@echo "  procure: http://$(HOST):$(PORT)"
	@echo "  demo logins (password demo-password-2026):"
	@echo "    buyer (区民政局 经办) · approver (审批负责人) · org (社会组织) · committee (居委会)"
	@echo "    regulator (财政局) · expert (评审专家) · auditor (审计) · admin (管理员)"
	@echo ""
	$(BIN)/procure serve --host $(HOST) --port $(PORT)

.PHONY: test
test: install system-deps ## Run the whole suite on SQLite, then on PostgreSQL
	PROCURE_TEST_DATABASE=sqlite $(BIN)/pytest $(PYTEST_ARGS)
	PROCURE_TEST_DATABASE=postgresql $(BIN)/pytest $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff, mypy and the layers' import contracts (.importlinter, ARCHITECTURE.md)
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests migrations
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

.PHONY: format
format: install ## Format the code with ruff
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

.PHONY: migrations
migrations: install ## Generate a migration for changed tables (into migrations/)
	PICCOLO_CONF=procure.db.piccolo_conf PROCURE_DATABASE_URL=sqlite:///$(CURDIR)/var/migrations.sqlite3 \
	  $(BIN)/piccolo migrations new procure --auto

# `make bench SCALE=100`: the districts `procure bench` generates into its scratch databases; the
# PostgreSQL one is created (and dropped) on the server of BENCH_POSTGRES_URL.
SCALE ?= 10
BENCH_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: bench
bench: install ## Benchmarks: issue 10's figures (JSON) at SCALE districts (default 10), SQLite then PostgreSQL
	$(BIN)/procure bench --scale $(SCALE) --engine sqlite --json
	$(BIN)/procure bench --scale $(SCALE) --engine postgresql --postgres-url $(BENCH_POSTGRES_URL) --json

.PHONY: bench-paths
bench-paths: install ## Older benchmarks: requests/s of the read paths; risk scan and OCDS timings (demo data)
	$(BIN)/python benchmarks/reads.py
	$(BIN)/python benchmarks/risk.py

.PHONY: clean
clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
