"""Hypothesis stateful test over a real ledger: grants, reclaims, batches, approvals,
rejections and replays in any order. After every step issued never exceeds the quota (R2),
`quota show` equals the recomputation from the entries, and `ledger verify` is sound."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.pg import new_schema, require_pg
from tests.workbooks import customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.domain.review import APPROVE, REJECT
from voucher_batch.domain.review_checks import ReviewRow
from voucher_batch.errors import RuleError
from voucher_batch.ledger import Ledger
from voucher_batch.services import review as reviews

TEMPLATES = [("Small", 300), ("Medium", 1200), ("Large", 4000)]
AS_OF = date(2026, 11, 2)


class LedgerMachine(RuleBasedStateMachine):
    engine = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="vb-state-"))
        self._drop: Iterator[str] | None = None
        if self.engine == "postgres":
            url, self._drop = new_schema()
        else:
            url = str(self.folder / "ledger.sqlite3")
        self.ctx = services.Context(Ledger(url), "ops.lead", AS_OF)
        self.ctx.ledger.init()
        setup = write_workbook(
            self.folder / "setup.xlsx",
            {
                "Customers": [customer("100012340001")],
                "Templates": [template(name, amount) for name, amount in TEMPLATES],
            },
        )
        services.ingest(self.ctx, setup, self.folder / "out")
        self.quota = 0
        self.books: list[Path] = []
        self.n = 0

    def teardown(self) -> None:
        self.ctx.ledger.engine.dispose()
        if self._drop is not None:
            self._drop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @rule(amount=st.integers(1, 6000))
    def grant(self, amount: int) -> None:
        services.quota_change(self.ctx, "grant", amount, "sales.rep", "", "")
        self.quota += amount

    @rule(amount=st.integers(1, 6000))
    def reclaim(self, amount: int) -> None:
        remaining = services.quota_show(self.ctx).remaining
        if amount > remaining:
            with pytest.raises(RuleError):
                services.quota_change(self.ctx, "reclaim", amount, "sales.rep", "", "")
        else:
            services.quota_change(self.ctx, "reclaim", amount, "sales.rep", "", "")
            self.quota -= amount

    @rule(rows=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 2)), min_size=1, max_size=6))
    def batch(self, rows: list[tuple[int, int]]) -> None:
        self.n += 1
        book = write_workbook(
            self.folder / f"b{self.n}.xlsx",
            {"Requests": [request(f"R{rid}", TEMPLATES[t][0]) for rid, t in rows]},
        )
        services.ingest(self.ctx, book, self.folder / "out")
        self.books.append(book)

    @rule(index=st.integers(0, 50))
    def replay(self, index: int) -> None:
        if not self.books:
            return
        before = {v.request_id: v.issuance_id for v in services.vouchers_list(self.ctx)}
        services.ingest(self.ctx, self.books[index % len(self.books)], self.folder / "out")
        after = services.vouchers_list(self.ctx)
        # requests recorded before keep their one issuance; refused ones may now fit
        assert len({v.request_id for v in after}) == len(after)
        assert {v.request_id: v.issuance_id for v in after if v.request_id in before} == before

    @rule(index=st.integers(0, 50), approve=st.booleans())
    def review(self, index: int, approve: bool) -> None:
        vouchers = services.vouchers_list(self.ctx)
        if not vouchers:
            return
        target = vouchers[index % len(vouchers)]
        row = ReviewRow(
            "Review",
            2,
            target.issuance_id,
            APPROVE if approve else REJECT,
            None if approve else "not this quarter",
            "reviewer.one",
            None,
        )
        before = services.quota_show(self.ctx)
        result = reviews.apply_reviews(self.ctx, [row], "review.xlsx", "0" * 64)
        after = services.quota_show(self.ctx)
        if target.status == "pending" and not approve:
            assert after.issued == before.issued - target.amount  # R3: returned at once
        if target.status != "pending":
            assert result.outcome.decisions[0].decision in ("Unchanged", "Refused")
            assert after == before

    @invariant()
    def quota_is_never_overspent_and_recomputes(self) -> None:
        shown = services.quota_show(self.ctx)
        assert shown.quota == self.quota
        assert shown.issued <= shown.quota
        report = services.ledger_verify(self.ctx)
        assert report.findings == []
        assert report.balance == shown


class PostgresLedgerMachine(LedgerMachine):
    engine = "postgres"


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.slow
def test_ledger_state_machine_sqlite() -> None:
    run_state_machine_as_test(LedgerMachine, settings=SETTINGS)


@pytest.mark.postgres
def test_ledger_state_machine_postgres() -> None:
    require_pg()
    run_state_machine_as_test(PostgresLedgerMachine, settings=SETTINGS)
