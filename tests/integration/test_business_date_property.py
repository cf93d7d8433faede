"""Property (R14): grants, reclaims, ingests and review decisions at random business dates,
in any interleaving, never leave a negative quota or remaining on any day of any monthly
report, and `ledger verify` agrees. Every step goes through the services on a real ledger."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.pg import new_schema, require_pg
from tests.workbooks import customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.calendars import business_calendar
from voucher_batch.domain.report import monthly_report
from voucher_batch.domain.review import APPROVE, REJECT
from voucher_batch.domain.review_checks import ReviewRow
from voucher_batch.errors import RuleError
from voucher_batch.ledger import Ledger
from voucher_batch.services import review as reviews

TEMPLATES = [("Small", 300), ("Medium", 1200), ("Large", 4000)]
FIRST_DAY = date(2026, 10, 1)
DAYS = 75  # October to mid-December
MONTHS = [(2026, 9), (2026, 10), (2026, 11), (2026, 12)]
days = st.integers(0, DAYS - 1).map(lambda n: FIRST_DAY + timedelta(days=n))


class DatedLedger(RuleBasedStateMachine):
    engine = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="vb-dates-"))
        self._drop: Iterator[str] | None = None
        if self.engine == "postgres":
            url, self._drop = new_schema()
        else:
            url = str(self.folder / "ledger.sqlite3")
        self.ledger = Ledger(url)
        self.ledger.init()
        setup = write_workbook(
            self.folder / "setup.xlsx",
            {
                "Customers": [customer("100012340001")],
                "Templates": [template(name, amount) for name, amount in TEMPLATES],
            },
        )
        services.ingest(self.at(FIRST_DAY - timedelta(days=40)), setup, self.folder / "out")
        self.n = 0

    def at(self, day: date) -> services.Context:
        return services.Context(self.ledger, "ops.lead", day)

    def teardown(self) -> None:
        self.ledger.engine.dispose()
        if self._drop is not None:
            self._drop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @rule(amount=st.integers(1, 6000), day=days)
    def grant(self, amount: int, day: date) -> None:
        services.quota_change(self.at(day), "grant", amount, "sales.rep", "", "")

    @rule(amount=st.integers(1, 6000), day=days)
    def reclaim(self, amount: int, day: date) -> None:
        before = services.quota_show(self.at(day))
        try:
            services.quota_change(self.at(day), "reclaim", amount, "sales.rep", "", "")
        except RuleError:
            assert services.quota_show(self.at(day)) == before

    @rule(rows=st.lists(st.integers(0, 2), min_size=1, max_size=5), day=days)
    def ingest(self, rows: list[int], day: date) -> None:
        self.n += 1
        book = write_workbook(
            self.folder / f"b{self.n}.xlsx",
            {
                "Requests": [
                    request(f"R{self.n}-{k}", TEMPLATES[t][0], when=date(2027, 6, 30))
                    for k, t in enumerate(rows)
                ]
            },
        )
        services.ingest(self.at(day), book, self.folder / "out")

    @rule(index=st.integers(0, 50), approve=st.booleans(), day=days)
    def review(self, index: int, approve: bool, day: date) -> None:
        pending = services.vouchers_list(self.at(day), status="pending")
        if not pending:
            return
        target = pending[index % len(pending)]
        row = ReviewRow(
            "Review",
            2,
            target.issuance_id,
            APPROVE if approve else REJECT,
            None if approve else "not this quarter",
            "reviewer.one",
            None,
        )
        reviews.apply_reviews(self.at(day), [row], "review.xlsx", "0" * 64)

    @invariant()
    def no_day_of_any_month_goes_negative_and_verify_agrees(self) -> None:
        ctx = self.at(date(2027, 1, 31))
        with self.ledger.unit_of_work() as uow:
            moves, facts = uow.report_facts()
        cal = business_calendar(None, range(2026, 2028))
        for month in MONTHS:
            report = monthly_report(month, ctx.business_date, moves, facts, cal)
            f = report.figures
            assert f.opening_quota >= 0 and f.closing_quota >= 0, f
            assert f.opening_remaining >= 0 and f.closing_remaining >= 0, f
            assert all(p.remaining >= 0 for p in report.burndown), month
            assert f.reconciles
        verified = services.ledger_verify(ctx)
        assert verified.findings == []
        assert verified.balance == services.quota_show(ctx)


class PostgresDatedLedger(DatedLedger):
    engine = "postgres"


SETTINGS = settings(
    max_examples=30,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.slow  # a property-based run: 30 ledgers of 12 dated steps
def test_business_dates_never_run_the_quota_backwards_sqlite() -> None:
    run_state_machine_as_test(DatedLedger, settings=SETTINGS)


@pytest.mark.postgres
def test_business_dates_never_run_the_quota_backwards_postgres() -> None:
    require_pg()
    run_state_machine_as_test(PostgresDatedLedger, settings=settings(SETTINGS, max_examples=10))
