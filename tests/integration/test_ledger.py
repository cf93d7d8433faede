"""The ledger through its unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.workbooks import customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.errors import LedgerBusyError, LedgerMissingError, RuleError
from voucher_batch.ledger import Ledger
from voucher_batch.ledger import schema as t

AS_OF = date(2026, 11, 2)


def ctx(url: str) -> services.Context:
    return services.Context(Ledger(url), "ops.lead", AS_OF)


def test_missing_ledger_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.sqlite3"
    with pytest.raises(LedgerMissingError, match="init"):
        services.quota_show(ctx(str(path)))
    assert not path.exists()


def test_init_is_idempotent_and_records_the_schema_version(ledger_url: str) -> None:
    ledger = Ledger(ledger_url)
    assert ledger.init() == "created (schema 0004)"
    assert ledger.init() == "up to date (schema 0004)"
    with ledger.engine.connect() as conn:
        version = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version"))
        assert version.scalar_one() == str(t.SCHEMA_VERSION)


def test_quota_entries_and_reclaim_floor(ledger_url: str) -> None:
    c = ctx(ledger_url)
    c.ledger.init()
    services.quota_change(c, "grant", 5000, "sales.rep", "T-1", "")
    services.quota_change(c, "reclaim", 1000, "sales.rep", "T-2", "")
    assert services.quota_show(c).quota == 4000
    with pytest.raises(RuleError, match="R1"):
        services.quota_change(c, "reclaim", 4001, "sales.rep", "", "")
    with c.ledger.engine.connect() as conn:
        kinds = conn.execute(select(t.quota_entries.c.kind).order_by(t.quota_entries.c.id))
        assert kinds.scalars().all() == ["grant", "reclaim"]


def test_batch_is_recorded_in_one_transaction_and_balances_recompute(
    ledger_url: str, tmp_path: Path
) -> None:
    c = ctx(ledger_url)
    c.ledger.init()
    services.quota_change(c, "grant", 2500, "sales.rep", "", "")
    book = write_workbook(
        tmp_path / "b.xlsx",
        {
            "Customers": [customer("100012340001")],
            "Templates": [template("Starter Trial", 1000)],
            "Requests": [request("R-1"), request("R-2"), request("R-3")],
        },
    )
    result = services.ingest(c, book, tmp_path / "out")
    assert result.recorded and result.refused == 1
    balance = services.quota_show(c)
    assert (balance.quota, balance.pending, balance.remaining) == (2500, 2000, 500)
    with c.ledger.engine.connect() as conn:
        total = conn.execute(select(func.sum(t.issuances.c.amount))).scalar_one()
        events = conn.execute(select(func.count()).select_from(t.issuance_events)).scalar_one()
        batch = conn.execute(select(t.batches)).mappings().one()
    assert total == balance.issued == 2000
    assert events == 2
    assert batch["file_name"] == "b.xlsx" and len(batch["file_sha256"]) == 64
    assert '"Requests: Refused": 1' in batch["counts"]
    listed = services.vouchers_list(c)
    assert [v.issuance_id for v in listed] == ["ISS-000001", "ISS-000002"]


def test_failure_inside_the_unit_of_work_records_nothing(ledger_url: str) -> None:
    c = ctx(ledger_url)
    c.ledger.init()
    with pytest.raises(RuntimeError), c.ledger.unit_of_work(write=True) as uow:
        uow.add_quota_entry("grant", 100, "sales.rep", "", "", "ops.lead", AS_OF)
        raise RuntimeError("crash before commit")
    with c.ledger.unit_of_work(write=True) as uow:
        uow.add_quota_entry("grant", 100, "sales.rep", "", "", "ops.lead", AS_OF)
        # no commit(): rolled back
    assert services.quota_show(c).quota == 0


def test_a_second_writer_waits_then_reports_busy(ledger_url: str) -> None:
    Ledger(ledger_url).init()
    holder = Ledger(ledger_url)
    started = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with holder.unit_of_work(write=True):
            started.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert started.wait(10)
        waiting = services.Context(Ledger(ledger_url, busy_timeout=0.5), "ops.lead", AS_OF)
        began = time.monotonic()
        with pytest.raises(LedgerBusyError, match="busy"):
            services.quota_change(waiting, "grant", 1, "sales.rep", "", "")
        assert time.monotonic() - began >= 0.4
        # readers are not blocked by the writer
        assert services.quota_show(waiting).quota == 0
    finally:
        release.set()
        thread.join()


def test_password_never_shown(tmp_path: Path) -> None:
    ledger = Ledger("postgresql+psycopg://postgres:s3cret@127.0.0.1:1/none")
    assert "s3cret" not in ledger.name


def test_amounts_beyond_32_bits(ledger_url: str, tmp_path: Path) -> None:
    c = ctx(ledger_url)
    c.ledger.init()
    services.quota_change(c, "grant", 3_000_000_000, "sales.rep", "", "")
    book = write_workbook(
        tmp_path / "big.xlsx",
        {
            "Customers": [customer("100012340001")],
            "Templates": [template("Starter Trial", 1000)],
            "Requests": [request("R-1", revenue=5_000_000_000)],
        },
    )
    assert services.ingest(c, book, tmp_path / "out").refused == 0
    assert services.quota_show(c).remaining == 2_999_999_000
    with c.ledger.engine.connect() as conn:
        revenue = conn.execute(select(t.issuances.c.estimated_revenue)).scalar_one()
    assert revenue == 5_000_000_000
