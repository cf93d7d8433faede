"""The `cli` fixture: the real command line against a fresh ledger, on SQLite and on
PostgreSQL (every test that uses it runs on both engines)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import pg_schema_url
from tests.workbooks import Cli

# Every recorded batch of the suite, however small, has its decision workbook written by a
# second process while it is recorded (by default only from 10,000 rows), so that every test
# of outputs, names, failures and R18 also holds for that path; tests of the path after the
# commit set the variable high (tests/e2e/test_write_ahead.py).
os.environ.setdefault("VOUCHER_BATCH_BACKGROUND_WRITE_ROWS", "1")


@pytest.fixture(autouse=True)
def _shared_sheets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sheets of 1,000 rows or more (20,000 by default) written in this process are written
    by two processes, so that the mid-size batches of the suite (the equivalence test's
    3,000 rows) also hold for that path; tests/integration/test_table_writer.py compares it
    with one process, byte for byte."""
    from voucher_batch.workbook import writer

    monkeypatch.setattr(writer, "SPLIT_ROWS", 1_000)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    if request.param == "sqlite":
        yield Cli(tmp_path)
    else:
        for url in pg_schema_url():
            yield Cli(tmp_path, ledger=url)
