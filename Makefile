# Micromastery: `make run` serves the demo, `make test` runs the whole suite.
# Python 3.11+ and make are all a fresh machine needs; everything else lands in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.DEFAULT_GOAL := help
.PHONY: help run test lint format typecheck bench migrate clean messages

help:
	@echo "make run        set up and serve the demo on http://127.0.0.1:8000 (web + worker + beat)"
	@echo "make test       set up and run the whole suite"
	@echo "make lint       ruff check and format check, import-linter layer contracts"
	@echo "make typecheck  mypy with the Django and DRF plugins"
	@echo "make bench      benchmarks on PostgreSQL + Redis (local servers by default)"
	@echo "make messages   update the translation catalogues in locale/ (needs GNU gettext)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

# A generated secret for this machine only; .env is never committed.
.env:
	@$(PYTHON) -c "import secrets; print('DJANGO_DEBUG=true'); print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50))" > $@
	@echo "Wrote .env with a new development secret key."

migrate: $(VENV)/.installed .env
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Micromastery: http://127.0.0.1:8000   (admin: http://127.0.0.1:8000/admin/, API docs: http://127.0.0.1:8000/api/docs/)"
	@echo "Web, Celery worker and beat start below; stop them all with Ctrl+C."
	@echo ""
	$(BIN)/honcho start -f Procfile

# The single sign-on tests run a real OpenID Provider (Node's oidc-provider) from the
# npm registry, installed exactly as locked whenever the lock changes.
OIDC_PROVIDER := tests/accounts/sso/oidc_provider
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package-lock.json
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Microsoft's Adaptive Cards library (npm, pinned by its lock file) validates the cards we
# post to Teams in the tests.
ADAPTIVECARDS := tests/practice/nudges/adaptivecards
$(ADAPTIVECARDS)/node_modules/.installed: $(ADAPTIVECARDS)/package-lock.json
	npm ci --prefix $(ADAPTIVECARDS) --no-audit --no-fund --silent
	@touch $@

# The test settings never read .env, so the suite runs the same after `make run` as before.
test: $(VENV)/.installed-dev $(OIDC_PROVIDER)/node_modules/.installed $(ADAPTIVECARDS)/node_modules/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=micromastery.test_settings
	$(BIN)/python manage.py check --database default --fail-level WARNING --settings=micromastery.test_settings
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py translations_check --settings=micromastery.test_settings

# Catalogues: collect every marked message into locale/<language>/LC_MESSAGES/django.po
# (translate the new entries there), then compile the .mo files Django reads. Both are
# committed, so running the platform needs no gettext. Debian: apt-get install gettext.
TRANSLATED_LANGUAGES := de fr es
messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages --settings=micromastery.test_settings --no-obsolete \
	  --add-location=file $(addprefix -l ,$(TRANSLATED_LANGUAGES)) \
	  --ignore=.venv --ignore=migrations --ignore=node_modules --ignore=tests --ignore=bench \
	  --ignore=demo --ignore=var --ignore=static
	$(BIN)/python manage.py compilemessages --settings=micromastery.test_settings \
	  --ignore=.venv --ignore=tests

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy .

# Benchmarks run on PostgreSQL + Redis; these defaults are the local servers. The database
# is emptied and refilled: give each person running benchmarks their own, e.g.
#   make bench BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mine BENCH_ARGS="--scale 0.1"
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/micromastery_bench
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/9
bench: $(VENV)/.installed-dev
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_BROKER_URL=$(BENCH_BROKER_URL) \
	DATABASE_URL=$(BENCH_DATABASE_URL) CELERY_BROKER_URL=$(BENCH_BROKER_URL) \
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
