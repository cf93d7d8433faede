"""The `cli` fixture: the real command line against a fresh ledger, on SQLite and on
PostgreSQL (every test that uses it runs on both engines)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import pg_schema_url
from tests.workbooks import Cli


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    if request.param == "sqlite":
        yield Cli(tmp_path)
    else:
        for url in pg_schema_url():
            yield Cli(tmp_path, ledger=url)
