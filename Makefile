# Set-up: `make demo` and `make test` each create .venv (Python 3.11+) and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint typecheck bench fuzz clean samples schemas

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/voucher-batch demo --dir build/demo

lint: $(STAMP)
	$(BIN)/ruff check voucher_batch tests sample_sheets schemas bench
	$(BIN)/ruff format --check voucher_batch tests sample_sheets schemas bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n 2

# Everything but PostgreSQL, LibreOffice, Chromium, fuzzing and the long runs: under a minute.
FAST := not postgres and not soffice and not chromium and not fuzz and not slow
test-fast: lint typecheck
	$(BIN)/pytest -q -n 2 -m "$(FAST)"

fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} $(BIN)/pytest -q tests/fuzz

schemas: $(STAMP)
	$(BIN)/python schemas/generate.py

samples: $(STAMP)
	$(BIN)/python sample_sheets/build_sample.py
	$(BIN)/python sample_sheets/build_console.py

clean:
	rm -rf build reports/*.xlsx reports/*.html .pytest_cache .mypy_cache

bench: $(STAMP)
	$(BIN)/python -m bench.bench_ingest $(BENCH_ROWS)
	$(BIN)/python -m bench.bench_review $(REVIEW_ROWS)
	$(BIN)/python -m bench.bench_report $(REPORT_ROWS)
