"""Hypothesis: workbooks with arbitrary values in every column never crash the tool, never
get a rule-breaking row recorded, and every input row is accounted for in the decision
workbook (contract sections 2 and 3, R13)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbooks import REQUEST_HEADERS, TEMPLATE_HEADERS, customer, template, write_workbook
from voucher_batch import services
from voucher_batch.domain.model import name_key
from voucher_batch.errors import VoucherBatchError
from voucher_batch.ledger import Ledger

AS_OF = date(2026, 11, 2)
SPECIAL = [
    "=1+1",
    "#N/A",
    "12,000",
    "12.5",
    "1.00012E+11",
    "03/04/2027",
    "2027-03-31",
    "2027/03/31",
    " ",
    "\u200b",
    "\ufeffR-1",
    "\uff11\uff12\uff13\uff14\uff15",
    "TRUE",
    "Starter Trial",
    "starter   TRIAL",
    "100012340001",
    "100012340002",
    "Product trial",
    "All",
    "30 days",
    "13 months",
    "From the issuance date",
    "ops.analyst",
    "-5",
    "0",
    "R-1",
    "R-2",
]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=25)
cell = st.one_of(
    st.none(),
    st.sampled_from(SPECIAL),
    text,
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(date(1901, 1, 1), date(2100, 12, 31)),
    st.datetimes(datetime(1901, 1, 1), datetime(2100, 1, 1)),
    st.booleans(),
)
requests = st.lists(st.lists(cell, min_size=7, max_size=7), min_size=1, max_size=8)
templates = st.lists(st.lists(cell, min_size=6, max_size=6), max_size=3)


def _write(path: Path, request_rows: list[list[object]], template_rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Templates"
    ws.append(TEMPLATE_HEADERS)
    for row in template_rows:
        ws.append(row)
    req = wb.create_sheet("Requests")
    req.append(REQUEST_HEADERS)
    for row in request_rows:
        req.append(row)
    wb.save(path)


def _non_blank(row: list[object]) -> bool:
    return any(
        v is not None and not (isinstance(v, str) and not v.strip(" \u200b\ufeff\u00a0"))
        for v in row
    )


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(requests, templates)
def test_arbitrary_cells_never_crash_or_record_a_bad_row(
    request_rows: list[list[object]], template_rows: list[list[object]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        ctx = services.Context(Ledger(str(root / "l.sqlite3")), "ops.lead", AS_OF)
        ctx.ledger.init()
        services.quota_change(ctx, "grant", 5000, "sales.rep", "", "")
        setup = write_workbook(
            root / "setup.xlsx",
            {
                "Customers": [customer("100012340001"), customer("100012340002", status="Unbound")],
                "Templates": [template("Starter Trial", 1000)],
            },
        )
        services.ingest(ctx, setup, root / "out")
        path = root / "arbitrary.xlsx"
        try:
            _write(path, request_rows, template_rows)
        except (ValueError, TypeError):
            return  # openpyxl cannot store this value at all (e.g. an out-of-range date)
        try:
            result = services.ingest(ctx, path, root / "out")
        except VoucherBatchError as exc:
            assert "\n" not in exc.message and exc.exit_code == 2
            assert services.quota_show(ctx).issued == 0
            return
        out = openpyxl.load_workbook(result.decisions_path)
        expected_rows = [i + 2 for i, row in enumerate(request_rows) if _non_blank(row)]
        decided = [r[-6] for r in out["Requests"].iter_rows(min_row=2, values_only=True)]
        assert decided == expected_rows  # every input row accounted for, in order
        balance = services.quota_show(ctx)
        assert balance.issued <= balance.quota
        templates_now = {t.name.casefold(): t for t in services.templates_list(ctx)}
        for voucher in services.vouchers_list(ctx):
            assert voucher.customer_uin == "100012340001"  # the only bound customer
            assert name_key(voucher.template_name) in templates_now
            assert voucher.amount == templates_now[name_key(voucher.template_name)].amount
        report = services.ledger_verify(ctx)
        assert report.findings == []
