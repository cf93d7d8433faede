"""The use cases against the in-memory ledger (tests/fakes.py), and one contract that the
fake and a real SQLite ledger must both keep, so the fake cannot drift from the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.fakes import FakeLedger
from tests.workbooks import customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.domain.model import IssuanceStatus
from voucher_batch.domain.quota import Balance
from voucher_batch.domain.review import NewDecision
from voucher_batch.domain.vocabulary import RequestDecision
from voucher_batch.errors import LedgerMissingError, RuleError
from voucher_batch.ledger import BatchInfo, Ledger, VoucherQuery
from voucher_batch.services.batches import batches_list
from voucher_batch.services.ports import LedgerPort

ALREADY_SUBMITTED = RequestDecision.ALREADY_SUBMITTED
PENDING_APPROVAL = RequestDecision.PENDING_APPROVAL
REFUSED = RequestDecision.REFUSED
AS_OF = date(2026, 11, 2)  # a Monday
UIN = "100012340001"


def fake_ctx(on: date = AS_OF) -> services.Context:
    ledger = FakeLedger()
    ledger.init()
    return services.Context(ledger, "ops.lead", on)


def on_day(ctx: services.Context, day: date) -> services.Context:
    return services.Context(ctx.ledger, ctx.operator, day)


def book(path: Path, *request_rows: list[object]) -> Path:
    return write_workbook(
        path,
        {
            "Customers": [customer(UIN)],
            "Templates": [template("Starter Trial", 1000), template("Scale Pack", 2000)],
            "Requests": list(request_rows),
        },
    )


def issued(ctx: services.Context) -> list[tuple[str, str, int]]:
    return [(v.issuance_id, v.request_id, v.amount) for v in services.vouchers_list(ctx)]


# ---- quota --------------------------------------------------------------------------------


def test_grant_reclaim_and_a_retried_reference() -> None:
    ctx = fake_ctx()
    assert services.quota_apply(ctx, "grant", 5000, "sales.rep", "T-1", "").balance.quota == 5000
    # the same change under the same reference, spelt otherwise (R15), is a safe retry (R16)
    again = services.quota_apply(ctx, "grant", 5000, "sales.rep", "  t-1 ", "")
    assert again.already_recorded and again.balance.quota == 5000
    with pytest.raises(RuleError, match=r"'T-1' is already recorded for a grant of 5,000.*R16"):
        services.quota_apply(ctx, "grant", 4000, "sales.rep", "T-1", "")
    with pytest.raises(RuleError, match=r"already recorded for a grant.*R16"):
        services.quota_apply(ctx, "reclaim", 5000, "sales.rep", "T-1", "")
    assert services.quota_change(ctx, "reclaim", 1000, "sales.rep", "T-2", "") == Balance(
        4000, 0, 0, 0
    )
    with pytest.raises(RuleError, match="R1"):
        services.quota_change(ctx, "reclaim", 4001, "sales.rep", "", "")
    assert services.quota_show(ctx).quota == 4000


def test_a_backdated_reclaim_is_refused_where_a_later_day_would_go_negative(
    tmp_path: Path,
) -> None:
    ctx = fake_ctx()
    services.quota_change(ctx, "grant", 1000, "sales.rep", "", "")
    # before the grant, nothing could be reclaimed (R14)
    with pytest.raises(RuleError, match=r"on 2026-10-30.*R1, R14"):
        services.quota_change(on_day(ctx, date(2026, 10, 30)), "reclaim", 500, "s", "", "")
    # a request two days later uses the whole quota, and a grant three days after it brings
    # 1,000 back: the total has room for a reclaim, but a reclaim between the request and
    # the second grant would leave those days negative (R14)
    later = on_day(ctx, AS_OF + timedelta(days=2))
    result = services.ingest(later, book(tmp_path / "in.xlsx", request("R-1")), tmp_path / "out")
    assert result.recorded and result.refused == 0
    services.quota_change(on_day(ctx, AS_OF + timedelta(days=5)), "grant", 1000, "s", "", "")
    with pytest.raises(RuleError, match=r"cannot reclaim 500 on 2026-11-03: .*R1, R14"):
        services.quota_change(on_day(ctx, AS_OF + timedelta(days=1)), "reclaim", 500, "s", "", "")
    # on the day of the second grant it fits
    services.quota_change(on_day(ctx, AS_OF + timedelta(days=5)), "reclaim", 500, "s", "", "")
    assert services.quota_show(ctx) == Balance(1500, 1000, 0, 0)


# ---- ingest -------------------------------------------------------------------------------


def test_ingest_decides_first_fit_then_a_resend_is_already_submitted(tmp_path: Path) -> None:
    ctx = fake_ctx()
    services.quota_change(ctx, "grant", 2500, "sales.rep", "", "")
    first = book(
        tmp_path / "in.xlsx",
        request("R-1"),
        request("R-2", tpl="Scale Pack"),  # 2,000 does not fit the 1,500 left: refused
        request("R-3"),  # a later row that fits is still accepted (R8)
    )
    result = services.ingest(ctx, first, tmp_path / "out")
    assert result.recorded and result.refused == 1
    assert result.counts["Requests"][PENDING_APPROVAL] == 2
    assert result.counts["Requests"][REFUSED] == 1
    assert issued(ctx) == [("ISS-000001", "R-1", 1000), ("ISS-000002", "R-3", 1000)]
    assert services.quota_show(ctx) == Balance(2500, 2000, 0, 0)

    # the same requests again, one Request ID spelt otherwise (R15): nothing issued twice (R9)
    resend = book(tmp_path / "again.xlsx", request(" r-1"), request("R-3"))
    again = services.ingest(ctx, resend, tmp_path / "out2")
    assert again.recorded and again.refused == 0
    assert again.counts["Requests"][ALREADY_SUBMITTED] == 2
    assert again.counts["Requests"][PENDING_APPROVAL] == 0
    assert issued(ctx) == [("ISS-000001", "R-1", 1000), ("ISS-000002", "R-3", 1000)]
    assert [b.kind for b in batches_list(ctx)] == ["ingest", "ingest"]


def test_a_dry_run_records_nothing(tmp_path: Path) -> None:
    ctx = fake_ctx()
    assert isinstance(ctx.ledger, FakeLedger)
    services.quota_change(ctx, "grant", 5000, "sales.rep", "", "")
    commits = ctx.ledger.commits
    result = services.ingest(
        ctx, book(tmp_path / "in.xlsx", request("R-1")), tmp_path / "out", dry_run=True
    )
    assert not result.recorded and result.not_recorded_reason == "dry run"
    assert result.counts["Requests"][PENDING_APPROVAL] == 1  # decided, but not kept
    assert ctx.ledger.commits == commits
    assert issued(ctx) == [] and batches_list(ctx) == []
    assert services.quota_show(ctx) == Balance(5000, 0, 0, 0)


def test_all_or_nothing_records_nothing_when_a_row_is_refused(tmp_path: Path) -> None:
    ctx = fake_ctx()
    services.quota_change(ctx, "grant", 1000, "sales.rep", "", "")
    workbook = book(tmp_path / "in.xlsx", request("R-1"), request("R-2"))
    result = services.ingest(ctx, workbook, tmp_path / "out", all_or_nothing=True)
    assert not result.recorded and result.exit_code == 2
    assert issued(ctx) == []


def test_a_fake_ledger_not_created_is_refused(tmp_path: Path) -> None:
    ctx = services.Context(FakeLedger("nowhere"), "ops.lead", AS_OF)
    with pytest.raises(LedgerMissingError, match="ledger nowhere does not exist"):
        services.quota_show(ctx)


# ---- the contract the fake and the real ledger both keep ------------------------------------


@pytest.fixture(params=["fake", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerPort]:
    if request.param == "fake":
        yield FakeLedger()
        return
    real = Ledger(str(tmp_path / "ledger.sqlite3"))
    try:
        yield real
    finally:
        real.dispose()


def test_the_fake_and_the_real_ledger_answer_alike(ledger: LedgerPort, tmp_path: Path) -> None:
    assert ledger.init().startswith("created (schema ")
    assert ledger.init().startswith("up to date (schema ")
    ctx = services.Context(ledger, "ops.lead", AS_OF)
    services.quota_change(ctx, "grant", 4000, "sales.rep", "T-1", "")
    services.quota_change(on_day(ctx, AS_OF + timedelta(days=1)), "reclaim", 500, "s", "T-2", "")
    rows = [request("R-1"), request("R-2", tpl="Scale Pack"), request("R-3", tpl="Scale Pack")]
    services.ingest(ctx, book(tmp_path / "a.xlsx", *rows), tmp_path / "out")
    services.ingest(ctx, book(tmp_path / "b.xlsx", request("r-1 ")), tmp_path / "out2")

    # nothing is kept without commit(), or when the unit of work fails
    with ledger.unit_of_work(write=True) as uow:
        uow.add_quota_entry("grant", 9, "sales.rep", "", "", "ops.lead", AS_OF)
    with pytest.raises(RuntimeError), ledger.unit_of_work(write=True) as uow:
        uow.add_quota_entry("grant", 9, "sales.rep", "", "", "ops.lead", AS_OF)
        uow.commit()
        raise RuntimeError("stopped before the unit of work closed")

    # a rejection on a later day returns its amount from that day on (R3, R14)
    with ledger.unit_of_work(write=True) as uow:
        info = BatchInfo("review", "r.xlsx", "0" * 64, "ops.lead", AS_OF, {})
        rejected = NewDecision(
            "ISS-000002",
            IssuanceStatus.REJECTED,
            AS_OF + timedelta(days=3),
            "r.one",
            "no",
            None,
            None,
        )
        assert uow.record_reviews(info, [rejected]) == 3
        assert uow.recorded_at is not None
        uow.commit()

    with ledger.unit_of_work() as uow:
        assert uow.balance() == Balance(quota=3500, pending=1000, approved=0, rejected=2000)
        totals = uow.totals()
        assert (totals.granted, totals.reclaimed, totals.requested, totals.revenue) == (
            4000,
            500,
            3000,
            10000,
        )
        assert sorted(uow.remaining_deltas()) == [
            (AS_OF, -3000),
            (AS_OF, 4000),
            (AS_OF + timedelta(days=1), -500),
            (AS_OF + timedelta(days=3), 2000),
        ]
        assert list(uow.customers()) == [UIN]
        states = uow.templates()
        assert {k: (s.template.amount, s.issued_count) for k, s in states.items()} == {
            "starter trial": (1000, 1),
            "scale pack": (2000, 1),
        }
        found = uow.requests(["R-1", " r-2", "R-3", "R-9"])
        assert {k: (e.request_id, e.issuance_id, e.status) for k, e in found.items()} == {
            "r-1": ("R-1", "ISS-000001", IssuanceStatus.PENDING),
            "r-2": ("R-2", "ISS-000002", IssuanceStatus.REJECTED),
        }
        assert uow.next_issuance_number() == 3
        earlier = uow.quota_entry_by_ref(" t-2")
        assert earlier is not None
        assert (earlier.kind, earlier.amount, earlier.ref) == ("reclaim", 500, "T-2")
        assert earlier.business_date == AS_OF + timedelta(days=1)
        assert uow.quota_entry_by_ref("T-3") is None
        listed = uow.voucher_listing(VoucherQuery())
        shown = [(v.issuance_id, v.template_name, v.status, v.decided_on) for v in listed]
        assert shown == [
            ("ISS-000001", "Starter Trial", "pending", None),
            ("ISS-000002", "Scale Pack", "rejected", AS_OF + timedelta(days=3)),
        ]
        pending = uow.voucher_listing(VoucherQuery(status="pending"))
        assert [v.issuance_id for v in pending] == ["ISS-000001"]
        assert list(uow.issuances_under_review(None)) == ["ISS-000001"]
        assert uow.last_batch_id() == 3
        assert [(b.id, b.kind, b.file_name) for b in uow.batch_rows()] == [
            (1, "ingest", "a.xlsx"),
            (2, "ingest", "b.xlsx"),
            (3, "review", "r.xlsx"),
        ]
        assert uow.batch_row(4) is None
        kept = uow.kept_batch(1)
        assert kept is not None and kept.counts["Requests"][REFUSED] == 1
        assert uow.kept_shown_counts()[2]["Requests"][ALREADY_SUBMITTED] == 1
