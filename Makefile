# apprunner-advisor: every target builds .venv once (again only when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHARED := ../shared
PYTEST_ARGS ?= -n auto

.PHONY: demo test bench lint conformance clean chromium

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
CHROMIUM := /usr/bin/chromium

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "apprunner-advisor needs Python 3.11 or newer: set PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/advisor demo

chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium is missing and cannot be installed here (not root, no sudo): browser tests will be skipped."; fi

test: $(STAMP) chromium lint
	$(PY) -m pytest $(PYTEST_ARGS)
	@if [ -x $(SHARED)/bench/conformance.sh ] || [ -f $(SHARED)/bench/conformance.sh ]; then bash $(SHARED)/bench/conformance.sh; \
	else echo "conformance: $(SHARED)/bench not here, skipped"; fi

bench: $(STAMP)
	$(PY) benchmarks/bench_grid.py
	$(PY) benchmarks/bench_sandbox.py
	$(PY) benchmarks/bench_cloudwatch.py
	$(PY) benchmarks/bench_collect.py
	$(PY) benchmarks/bench_lake_s3.py
	$(PY) benchmarks/bench_dashboard.py
	$(PY) benchmarks/bench_migrate.py
	$(PY) benchmarks/bench_recommend.py
	$(PY) benchmarks/closed_loop.py

lint: $(STAMP)
	$(VENV)/bin/ruff check advisor tests benchmarks
	$(VENV)/bin/ruff format --check advisor tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

conformance: $(STAMP)
	bash $(SHARED)/bench/conformance.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
