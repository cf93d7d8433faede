# Set-up: `make demo` creates .venv (Python 3.11+) and installs the tool alone; `make test`
# adds the test tooling. Both install the versions pinned in constraints.txt (`make lock`
# writes it again), so two machines get the same packages; a changed pyproject.toml or
# constraints.txt installs again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CONSTRAINTS := constraints.txt
APP := $(VENV)/.installed-app
TOOLS := $(VENV)/.installed-test
LOCK_VENV := build/lock-venv

.PHONY: demo test test-fast lint typecheck bench fuzz clean samples schemas lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(APP): $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	touch $(APP)

$(TOOLS): $(APP)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $(TOOLS)

demo: $(APP)
	$(BIN)/voucher-batch demo --dir build/demo

lint: $(TOOLS)
	$(BIN)/ruff check voucher_batch tests sample_sheets schemas bench
	$(BIN)/ruff format --check voucher_batch tests sample_sheets schemas bench

typecheck: $(TOOLS)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n 2

# Everything but PostgreSQL, LibreOffice, Chromium, fuzzing, the long runs and the tests whose
# subject is a real process (memory limits, terminals, signals): under a minute.
FAST := not postgres and not soffice and not chromium and not fuzz and not slow and not process
test-fast: lint typecheck
	$(BIN)/pytest -q -n 2 -m "$(FAST)"

fuzz: $(TOOLS)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} $(BIN)/pytest -q tests/fuzz

schemas: $(TOOLS)
	$(BIN)/python schemas/generate.py

samples: $(TOOLS)
	$(BIN)/python sample_sheets/build_sample.py
	$(BIN)/python sample_sheets/build_console.py

# Pin every package the tool, its PostgreSQL driver and its tests install, from a fresh
# environment; commit the new constraints.txt.
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet '.[test,postgres]'
	{ echo "# Written by 'make lock' (Python $$($(LOCK_VENV)/bin/python -V | cut -d' ' -f2)); do not edit."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude voucher_batch; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf $(LOCK_VENV)

clean:
	rm -rf build reports/*.xlsx reports/*.html .pytest_cache .mypy_cache

# BENCH_FULL=1 adds a full Excel sheet (1,048,575 request rows) to the ingest figures: long.
# LEDGER_ROWS: issuances of the ledger the read commands are measured on.
LEDGER_ROWS ?= 1000000
bench: $(TOOLS)
	$(BIN)/python -m bench.bench_ingest --docs docs/benchmarks.md $(BENCH_ROWS)
	$(BIN)/python -m bench.bench_review $(REVIEW_ROWS)
	$(BIN)/python -m bench.bench_report $(REPORT_ROWS)
	$(BIN)/python -m bench.bench_checks $(CHECK_ROWS)
	$(BIN)/python -m bench.bench_ledger --docs docs/benchmarks.md $(LEDGER_ROWS)
