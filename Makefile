# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The address printed on receipts (their QR codes) and in emails: where `make run` serves, unless
# SITE_URL is given (environment or command line). The demo's receipts are issued while it loads,
# so `demo` gets it too: a scan then reaches this server.
SITE_URL := $(or $(SITE_URL),http://$(HOST):$(PORT))

.PHONY: run test lint install install-dev python-check migrate demo messages browser pdf-libs gettext clean

python-check:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "Tiwizi needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Install one and run: make PYTHON=/path/to/python3.11 ..."; exit 1; }

$(VENV)/bin/activate: | python-check
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Reinstall only when the requirements change (stamp files, ignored by git).
.make-install: requirements.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	@touch $@

.make-install-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ .make-install

install: .make-install
install-dev: .make-install-dev

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	SITE_URL='$(SITE_URL)' $(PY) manage.py load_demo

# A local server: DEBUG on (unless set) so that runserver serves the stylesheet and uploads. Its
# address is the last thing printed (Django's production warning is left out: the README says it).
run: pdf-libs demo
	DEBUG=$${DEBUG:-1} SITE_URL='$(SITE_URL)' DJANGO_RUNSERVER_HIDE_WARNING=true $(PY) manage.py runserver $(HOST):$(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run > /dev/null || { echo "Models and migrations disagree: run manage.py makemigrations"; exit 1; }

# WeasyPrint subsets fonts with HarfBuzz when Debian's libharfbuzz-subset0 is there (receipts
# render ~4x faster than with its fontTools fallback, measured: ~48 ms against ~190 ms a receipt); install it
# when we can (root, apt), else say how. Receipts work without it, only slower.
pdf-libs:
	@ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0' || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's libharfbuzz-subset0 for fast PDF receipts..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null; \
	  else echo "libharfbuzz-subset0 is missing: sudo apt-get install libharfbuzz-subset0 (receipts render slower without it)"; fi; }

# The browser test drives Debian's chromium; install it when we can (root, apt), else the
# browser test is skipped with a message saying how to install it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser test..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium (the browser test will be skipped)"; fi; }

# The suite runs in one process per core (pytest-xdist): on 2 cores, 10 min instead of 18 on
# SQLite. PYTEST_WORKERS=0 runs it in this process (a debugger, a single test).
PYTEST_WORKERS ?= auto
test: install-dev lint browser pdf-libs gettext
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The catalogues: French, English and Arabic, each complete (core/tests/test_i18n.py). English
# entries are copies of their sources (fill_english_catalogue); French and Arabic are written by us.
messages: install-dev gettext
	$(PY) manage.py makemessages -l fr -l en -l ar --no-obsolete --ignore=.venv
	$(PY) manage.py fill_english_catalogue
	$(PY) manage.py compilemessages --ignore=.venv

# makemessages runs GNU gettext's xgettext: the test that the catalogues cover every source string
# does too. Installed like chromium when we can (root, apt).
gettext:
	@command -v xgettext >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing GNU gettext for the catalogues..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	  else echo "xgettext is missing: sudo apt-get install gettext (the catalogues' coverage test needs it)"; fi; }

clean:
	rm -rf $(VENV) .make-install .make-install-dev

# The API's benchmark (not a test, not in CI): a large data set in PostgreSQL (database tiwizi_bench),
# gunicorn with 2 workers, wrk from a second process. Needs PostgreSQL and Redis on 127.0.0.1.
.PHONY: wrk bench-api bench-pages
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: sudo apt-get install wrk"; exit 1; fi; }

bench-api: install-dev wrk
	$(PY) bench/api.py

# The public pages (list, project, community, feed, badge) on the same data and server, quiet and
# while 10 pledges a second land on one project, plus the server time of a cache miss.
# Options go in BENCH_ARGS, e.g. make bench-pages BENCH_ARGS="--duration 2 --rounds 1".
bench-pages: install-dev wrk
	$(PY) bench/pages.py $(BENCH_ARGS)

# The project page's render time with 0, 20 and 200 timeline entries (not a test): in process,
# SQLite in a temporary folder; DATABASE_URL=postgres://… make bench-page for PostgreSQL.
.PHONY: bench-page
bench-page: install-dev
	$(PY) bench/project_page.py $(if $(DATABASE_URL),--database-url $(DATABASE_URL))

# The largest project the limits allow (story, needs, milestones, updates, expenses at their maxima):
# its page and its report against a demo-sized project's, in process (not a test); SQLite in a
# temporary folder, DATABASE_URL=postgres://… make bench-worst-case for PostgreSQL.
.PHONY: bench-worst-case
bench-worst-case: install-dev
	$(PY) bench/worst_case.py $(if $(DATABASE_URL),--database-url $(DATABASE_URL))
