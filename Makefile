# Two commands on a fresh machine:
#   make run   - virtual environment, install, migrate SQLite, demo data, serve on http://127.0.0.1:5000
#   make test  - install what the tests need and run the whole suite
#                (also on PostgreSQL when ORGSVC_TEST_POSTGRES_URL is set)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=

.PHONY: run test lint catalogues messages bench bench-smoke load load-smoke clean

.stamp-install: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

.stamp-test: .stamp-install .stamp-system pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Debian packages the tests need: Chromium for the browser journeys (Playwright's own browser
# download does not work here, so Playwright drives Debian's).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.stamp-system:
	command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }
	touch $@

# wrk drives the throughput benchmark (a Python load generator would take a core from the servers).
.stamp-bench-system:
	command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends wrk; }
	touch $@

# Compile the message catalogues from their .po sources (the editable install does it too;
# this keeps them fresh after a .po edit).
catalogues: .stamp-install
	$(BIN)/pybabel -q compile -d orgsvc/translations

# Re-extract the English source strings and merge them into the catalogues.
messages: .stamp-install
	$(BIN)/pybabel -q extract -w 100 -F babel.cfg --no-location --sort-output -k lazy_gettext -k _l -o orgsvc/translations/messages.pot .
	$(BIN)/pybabel -q update -w 100 --no-fuzzy-matching -i orgsvc/translations/messages.pot -d orgsvc/translations

run: .stamp-install catalogues
	$(BIN)/orgsvc db upgrade
	$(BIN)/orgsvc demo
	$(BIN)/orgsvc run --host $(HOST) --port $(PORT)

test: .stamp-test catalogues
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

# Every benchmark at the issues' sizes (about an hour), written into bench/RESULTS.md;
# bench-smoke runs them tiny, as CI does, and only prints.
bench: .stamp-test .stamp-bench-system
	$(BIN)/python -m bench.run --size full

bench-smoke: .stamp-test
	$(BIN)/python -m bench.run --size smoke

# Load and faults (bench/load.py): 3 minutes of locust on PostgreSQL, a worker killed mid-request,
# and the local PostgreSQL cluster restarted mid-run (as root), written into bench/RESULTS.md.
# load-smoke is what the test suite runs: 25 s, the database cut by a proxy instead of restarted.
load: .stamp-test
	$(BIN)/python -m bench.load --write-results

load-smoke: .stamp-test
	$(BIN)/python -m bench.load --smoke

lint: .stamp-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .stamp-* build dist *.egg-info
