# 质量兴市项目化推进 — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# System packages: CJK fonts and HarfBuzz for WeasyPrint PDFs, poppler for PDF checks,
# Pango for WeasyPrint, Chromium for browser tests, gettext for translations.
SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 poppler-utils libpango-1.0-0 libpangoft2-1.0-0 chromium gettext

.PHONY: run test test-fast test-e2e bench lint typecheck format sysdeps venv migrate demo clean serve loadtest

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

sysdeps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Install them with: sudo apt-get install --no-install-recommends$$missing"; exit 1; \
	  fi; \
	fi

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

# Same pinned date as `run`, so the demo assessment counts the milestones due by then.
demo: migrate
	ZHUCHENG_TODAY=$${ZHUCHENG_TODAY:-2010-09-30} $(PY) manage.py load_demo

# Demo server on SQLite. The clock is pinned to 2010-09-30 so the 2010 demo plan
# looks mid-year (green, amber and red milestones); unset ZHUCHENG_TODAY in production.
run: sysdeps demo
	ZHUCHENG_TODAY=$${ZHUCHENG_TODAY:-2010-09-30} $(PY) manage.py runserver $(HOST):$(PORT)

# The suite runs on TEST_WORKERS processes (pytest-xdist; one per core by default),
# a file per worker at a time so module fixtures are built once. TEST_WORKERS=0: serial.
TEST_WORKERS ?= auto
test: sysdeps $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Only the browser tests (Playwright + Debian's Chromium); `make test` runs them too.
test-e2e: sysdeps $(STAMP)
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs over the apps; the settings are in pyproject.toml ([tool.mypy]).
typecheck: $(STAMP)
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: sysdeps $(STAMP)
	$(PY) -m bench

# Production-like on $(HOST):$(PORT): gunicorn, DJANGO_ENV=production, static files by
# WhiteNoise, the database cache (REDIS_URL=redis://… to use Redis), errors in errors.log. Plain HTTP here, so HTTPS redirect and secure cookies are off (behind
# nginx with TLS leave them on; see README). A local SECRET_KEY is generated once into
# .secret_key when none is given. Uses db.sqlite3 (`make demo` fills it) unless DATABASE_URL.
serve: sysdeps $(STAMP)
	test -s .secret_key || $(PY) -c "from django.core.management.utils import get_random_secret_key as k; print(k())" > .secret_key
	export DJANGO_ENV=production SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" \
	  ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),localhost}" \
	  DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/db.sqlite3}" \
	  SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" \
	  SESSION_COOKIE_SECURE="$${SESSION_COOKIE_SECURE:-false}" \
	  CSRF_COOKIE_SECURE="$${CSRF_COOKIE_SECURE:-false}" \
	  CACHE_BACKEND="$${CACHE_BACKEND:-database}"; \
	$(PY) manage.py collectstatic --noinput -v0 && $(PY) manage.py migrate --noinput -v0 && \
	$(PY) manage.py createcachetable && \
	exec $(VENV)/bin/gunicorn zhucheng.wsgi --bind $(HOST):$(PORT) --workers $${WORKERS:-3} \
	  --access-logfile - --forwarded-allow-ips 127.0.0.1

# Load test (not part of `make test`): seed_scale --factor $(FACTOR) on PostgreSQL (150 is
# province size; LOADTEST_TEMPLATE=db copies an already seeded database instead), two
# gunicorn instances sharing it and Redis, a Celery worker, locust headless for 60 s
# with 50 users on both. Prints requests/s, median/p95 per request kind, errors, load.
FACTOR ?= 10
loadtest: sysdeps $(STAMP)
	FACTOR=$(FACTOR) bash loadtest/run.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mypy_cache test-artifacts
