# apprunner-advisor: every target builds .venv once (again only when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHARED := ../shared
PYTEST_ARGS ?= -n auto

.PHONY: demo test bench lint conformance clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "apprunner-advisor needs Python 3.11 or newer: set PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/advisor simulate --example diurnal --days 14 --max-concurrency 100 --min-size 1 --max-size 25
	$(VENV)/bin/advisor simulate --example diurnal --days 14 --max-concurrency 80 --min-size 2 --max-size 10
	@echo "The sandbox and the dashboard come in later issues; above: the simulator on a built-in example."

test: $(STAMP) lint
	$(PY) -m pytest $(PYTEST_ARGS)
	@if [ -x $(SHARED)/bench/conformance.sh ] || [ -f $(SHARED)/bench/conformance.sh ]; then bash $(SHARED)/bench/conformance.sh; \
	else echo "conformance: $(SHARED)/bench not here, skipped"; fi

bench: $(STAMP)
	$(PY) benchmarks/bench_grid.py
	$(PY) benchmarks/bench_sandbox.py
	$(PY) benchmarks/bench_cloudwatch.py

lint: $(STAMP)
	$(VENV)/bin/ruff check advisor tests benchmarks
	$(VENV)/bin/ruff format --check advisor tests benchmarks

conformance: $(STAMP)
	bash $(SHARED)/bench/conformance.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
