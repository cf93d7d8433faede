"""The balance as batches moved it (schema 7, `balance_moves`) and the streamed listing, on
SQLite and PostgreSQL: after real ingests and reviews the balance read from one row per batch
is the balance recomputed from every entry; a ledger of schema 6 with reviewed issuances is
upgraded to the same figures; `vouchers list --json`, printed as it reads, is the text the
whole list printed at once."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

from tests.integration.test_migrations import _first_schema_ledger
from tests.workbooks import Cli, customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.domain.review import APPROVE, REJECT, ReviewRow
from voucher_batch.ledger import Ledger, migrate
from voucher_batch.services import review as reviews
from voucher_batch.services.follow_up import follow_up_keys
from voucher_batch.services.vocabulary import printable

AS_OF = date(2026, 11, 2)
LATER = date(2026, 11, 4)
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _ledger_with_reviews(url: str, folder: Path) -> services.Context:
    ctx = services.Context(Ledger(url), "ops.lead", AS_OF)
    ctx.ledger.init()
    services.quota_change(ctx, "grant", 50_000, "sales.rep", "", "")
    book = write_workbook(
        folder / "b.xlsx",
        {
            "Customers": [customer("100012340001", "Ōsaka 商事 «quoted»"), customer("12345")],
            "Templates": [template("Пробный Старт", 1200), template("Starter Trial", 700)],
            "Requests": [
                request("R-1", "Пробный Старт"),
                request('R-"2"', "Starter Trial", uin="12345"),
                request("R-３", "Пробный Старт", reason='a \\ and a quote " «»'),
                request("r-4", "Starter Trial"),
            ],
        },
    )
    assert services.ingest(ctx, book, folder / "out").recorded
    pending = services.vouchers_list(ctx, status="pending")
    rows = [
        ReviewRow("Review", n + 2, v.issuance_id, decision, comment, "reviewer.one", None)
        for n, (v, decision, comment) in enumerate(
            zip(pending, (APPROVE, REJECT, APPROVE), (None, "too much", None), strict=False)
        )
    ]
    later = services.Context(ctx.ledger, "ops.lead", LATER)
    reviews.apply_reviews(later, rows, "review.xlsx", "0" * 64)
    return later


def test_the_balance_read_per_batch_is_the_balance_of_every_entry(
    ledger_url: str, tmp_path: Path
) -> None:
    ctx = _ledger_with_reviews(ledger_url, tmp_path)
    shown = services.quota_show(ctx)
    assert (shown.quota, shown.pending, shown.approved, shown.rejected) == (
        50_000,
        700,
        1200 + 1200,
        700,
    )
    report = services.ledger_verify(ctx)  # recomputes from the entries, compares with `shown`
    assert report.findings == [] and report.balance == shown
    assert shown == services.quota_show(ctx, LATER)  # the dated balance reads every entry
    with ctx.ledger.engine.connect() as conn:
        moves = conn.execute(
            text("SELECT batch_id, pending, approved, rejected FROM balance_moves ORDER BY 1")
        ).all()
    assert [tuple(m) for m in moves] == [(1, 3800, 0, 0), (2, -3100, 2400, 700)]


def test_a_schema_6_ledger_with_decisions_gets_its_balance_moves(ledger_url: str) -> None:
    ledger = _first_schema_ledger(ledger_url)  # a grant of 5,000, ISS-000001 pending (1,200)
    now = NOW if ledger_url.startswith("postgresql") else NOW.replace(tzinfo=None)
    with ledger.engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            migrate.upgrade(conn, "0006")
            params = {"now": now, "day": LATER, "sha": "0" * 64}
            conn.execute(
                text(
                    "INSERT INTO batches (id, kind, file_name, file_sha256, operator, "
                    "business_date, recorded_at, counts, seq) VALUES (2, 'review', 'r.xlsx', "
                    ":sha, 'ops.lead', :day, :now, '{\"Review: Approved\": 1}', 9)"
                ),
                params,
            )
            conn.execute(
                text(
                    "INSERT INTO issuance_events (issuance, status, decided_on, reviewer, "
                    "valid_from, valid_until, batch_id, recorded_at) VALUES "
                    "(1, 'approved', :day, 'reviewer.one', :day, :day, 2, :now)"
                ),
                params,
            )
    assert ledger.init() == f"upgraded from schema 0006 to {migrate.head_revision()}"
    ctx = services.Context(ledger, "ops.lead", LATER)
    balance = services.quota_show(ctx)
    assert (balance.quota, balance.pending, balance.approved, balance.rejected) == (
        5000,
        0,
        1200,
        0,
    )
    assert services.ledger_verify(ctx).balance == balance
    with ledger.engine.connect() as conn:
        moves = conn.execute(text("SELECT * FROM balance_moves ORDER BY batch_id")).all()
    assert [tuple(m) for m in moves] == [(1, 1200, 0, 0), (2, -1200, 1200, 0)]


def test_the_streamed_json_listing_is_the_text_of_the_whole_list(
    ledger_url: str, tmp_path: Path
) -> None:
    ctx = _ledger_with_reviews(ledger_url, tmp_path)
    cli = Cli(tmp_path, ledger_url)
    for args, as_of in (
        ((), None),
        (("--status", "pending"), None),
        (("--status", "approved"), None),
        (("--customer", "12345"), None),
        ((), AS_OF),
    ):
        if as_of is None:  # the ledger as it stands
            result = cli("vouchers", "list", "--json", *args, VOUCHER_BATCH_AS_OF=None)
        else:
            result = cli("vouchers", "list", "--json", *args, as_of=as_of.isoformat())
        assert result.code == 0, result.stderr
        # as it was printed before: the whole list built, then one json.dumps
        status = args[1] if args[:1] == ("--status",) else None
        customer_uin = args[1] if args[:1] == ("--customer",) else None
        listed = services.vouchers_list(ctx, status, customer_uin, as_of=as_of)
        extra = follow_up_keys(ctx, as_of=as_of)
        whole = [{**asdict(r), **(extra(r) or {})} for r in listed]
        values = [
            {k: v.isoformat() if isinstance(v, date) else v for k, v in r.items()} for r in whole
        ]
        assert result.stdout == printable(json.dumps(values, ensure_ascii=False)) + "\n", args
        assert len(json.loads(result.stdout)) == len(listed) > 0
