"""Hypothesis over the real pipeline and a real SQLite ledger: grants and batches in any
order never leave issued above quota, and `quota show` equals what the entries say (R2)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbooks import customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.ledger import Ledger

TEMPLATES = [("Small", 300), ("Medium", 1200), ("Large", 5000)]

batches = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 2), st.booleans()), min_size=1, max_size=10
)
steps = st.lists(st.one_of(st.integers(1, 8000), batches), min_size=1, max_size=6)


@pytest.mark.slow  # a property-based run on real ledgers
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_issued_never_exceeds_quota_on_a_real_ledger(sequence: list[object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        c = services.Context(Ledger(str(root / "l.sqlite3")), "ops.lead", date(2026, 11, 2))
        c.ledger.init()
        setup = write_workbook(
            root / "setup.xlsx",
            {
                "Customers": [customer("100012340001")],
                "Templates": [template(name, amount) for name, amount in TEMPLATES],
            },
        )
        services.ingest(c, setup, root / "out")
        for n, step in enumerate(sequence):
            if isinstance(step, int):
                services.quota_change(c, "grant", step, "sales.rep", "", "")
                continue
            assert isinstance(step, list)
            rows = [
                request(f"R{rid}", TEMPLATES[t][0], reason="r" if same else f"r{n}")
                for rid, t, same in step
            ]
            book = write_workbook(root / f"b{n}.xlsx", {"Requests": rows})
            services.ingest(c, book, root / "out")
            balance = services.quota_show(c)
            assert balance.issued <= balance.quota
            listed = services.vouchers_list(c, status="pending")
            assert balance.pending == sum(v.amount for v in listed)
            assert len({v.request_id for v in listed}) == len(listed)
