# K-Bridge — the two commands of the README, and a few helpers.
#   make demo   set up a virtualenv, migrate SQLite, seed the demo and serve http://127.0.0.1:8000
#   make test   set up a virtualenv and run the whole test suite (needs /usr/bin/chromium)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: demo test install install-test npm npm-optional npm-required serve worker messages lint check-deploy clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e ".[test,st]"
	touch $@

# Browser libraries (package.json/package-lock.json: the check-in page's QR scanner) come from
# npm and are served as static files from node_modules/ (settings.NPM_STATIC). `make test` needs
# them and fails without npm; `make demo` warns and the check-in page offers typed codes only.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

npm: node_modules/.package-lock.json

npm-optional:
	@if ! command -v npm >/dev/null; then \
	  echo "WARNING: npm not found: the check-in page's camera scanner is off (typed codes only). apt-get install -y npm, then make install." >&2; \
	elif ! $(MAKE) --no-print-directory npm; then \
	  echo "WARNING: npm ci failed (offline?): the check-in page's camera scanner is off (typed codes only)." >&2; fi

install: $(VENV)/.installed npm-optional

install-test: $(VENV)/.installed-test npm-required

npm-required:
	@command -v npm >/dev/null || { echo "ERROR: the check-in scanner's packages need npm (Node.js): apt-get install -y npm" >&2; exit 1; }
	@$(MAKE) --no-print-directory npm

demo: install
	$(PY) -m kbridge migrate --noinput
	$(PY) -m kbridge seed_demo
	@echo "K-Bridge demo: http://$(HOST)/  (Ctrl-C to stop; mail, webhook and task workers run alongside)"
	$(PY) -m kbridge worker --queue-name email --no-reload & mailer=$$!; \
	$(PY) -m kbridge worker --queue-name webhooks --no-reload & hooks=$$!; \
	$(PY) -m kbridge worker --queue-name '*' --exclude-queues email,webhooks --no-reload & worker=$$!; \
	trap "kill $$mailer $$hooks $$worker 2>/dev/null" EXIT INT TERM; \
	$(PY) -m kbridge runserver $(HOST)

serve: install
	$(PY) -m kbridge runserver $(HOST)

# Three processes, as in production: mail and webhooks never wait behind bulk work
# (embeddings …; the demo's seed alone queues hundreds).
worker: install
	$(PY) -m kbridge worker --queue-name email & mailer=$$!; \
	$(PY) -m kbridge worker --queue-name webhooks & hooks=$$!; \
	trap "kill $$mailer $$hooks 2>/dev/null" EXIT INT TERM; \
	$(PY) -m kbridge worker --queue-name '*' --exclude-queues email,webhooks

test: install-test
	@test -x /usr/bin/chromium || { echo "ERROR: the browser tests need Debian's Chromium: apt-get install -y chromium fonts-noto-cjk" >&2; exit 1; }
	@command -v xgettext >/dev/null || { echo "ERROR: the i18n tests need GNU gettext: apt-get install -y gettext" >&2; exit 1; }
	$(VENV)/bin/pytest $(PYTEST_ARGS)

messages: install
	cd src/kbridge && ../../$(PY) -m django makemessages -l ko -l en --no-obsolete --ignore 'engine/*' --settings kbridge.settings
	cd src/kbridge && ../../$(PY) -m django compilemessages --settings kbridge.settings

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

check-deploy: install
	KBRIDGE_ENV=production SECRET_KEY=$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-kbridge.example} SITE_URL=$${SITE_URL:-https://kbridge.example} \
	$(PY) -m django check --deploy --fail-level WARNING --settings kbridge.settings

clean:
	rm -rf $(VENV) var/ .pytest_cache node_modules/
