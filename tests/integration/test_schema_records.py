"""The ledger records its schema twice (meta's version and Alembic's revision): they agree,
and a ledger where they do not is never written to."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from voucher_batch import services
from voucher_batch.errors import LedgerError
from voucher_batch.ledger import Ledger
from voucher_batch.ledger import schema as t
from voucher_batch.ledger.migrate import head_revision


def test_the_schema_version_names_the_head_migration() -> None:
    assert head_revision() == t.SCHEMA_REVISION


def test_a_ledger_whose_revision_was_changed_by_hand_is_refused(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path / "ledger.sqlite3"))
    ledger.init()
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    ledger.dispose()
    fresh = Ledger(str(tmp_path / "ledger.sqlite3"))
    ctx = services.Context(fresh, "ops.lead", date(2026, 11, 2))
    with pytest.raises(LedgerError, match="migrations say 0099"):
        services.quota_change(ctx, "grant", 100, "sales.rep", "", "")
    fresh.dispose()
    with Ledger(str(tmp_path / "ledger.sqlite3")).engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM quota_entries")).scalar() == 0
