# Two entry points for a fresh machine: `make run` and `make test`.
# Both create .venv, install the pinned requirements and build the demonstration
# database when it is missing; `make test` also installs Debian's chromium for the
# browser tests when it is absent.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test install chromium demo-db lint bench clean-db

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Builds data/comex.duckdb from the embedded generator only when no database is there:
# official data loaded with core.load is never overwritten.
demo-db: install
	$(PY) -m core.demo --if-missing

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium fonts-dejavu-core; }

run: demo-db chromium
	$(PY) Home.py --server.port $(PORT) --server.headless true

test: demo-db chromium
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: demo-db
	$(PY) -m benchmarks

clean-db:
	rm -rf data/builds data/comex.duckdb data/comex.previous.duckdb
