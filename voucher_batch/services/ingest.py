"""`ingest`: a workbook of Customers, Templates and Requests, read -> checked -> decided by the
domain engine against the ledger -> recorded in one transaction -> rendered as the decision
workbook and the batch report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, overload

from ..domain import engine
from ..domain.batch import (
    BatchContext,
    BatchOutcome,
    CustomerRow,
    LedgerView,
    RequestRow,
    TemplateRow,
    format_issuance_id,
)
from ..domain.quota import Balance, limit_from
from ..domain.vocabulary import DECISIONS, NotRecorded, RequestDecision
from .context import Context
from .ports import UnitOfWorkPort
from .progress import NO_PROGRESS, Progress
from .runner import Checked, Decision, Plan, run

if TYPE_CHECKING:  # the reading and checking stack (pandas, pandera) loads only when used
    from ..workbook.reader import RawBook
    from ..workbook.validation import CheckedRow


@dataclass
class IngestResult:
    file_name: str
    recorded: bool
    counts: dict[str, dict[str, int]]
    refused: int
    before: Balance
    after: Balance
    decisions_path: Path
    report_path: Path
    skipped: list[str] = field(default_factory=list)
    not_recorded_reason: str = ""
    batch_id: int | None = None
    not_recorded: NotRecorded | None = None

    @property
    def not_recorded_code(self) -> str | None:
        """Why nothing was recorded, as a stable code for scripts (None: it was recorded)."""
        if self.not_recorded is None:
            return None
        return {NotRecorded.DRY_RUN: "dry_run", NotRecorded.ALL_OR_NOTHING: "all_or_nothing"}[
            self.not_recorded
        ]

    @property
    def exit_code(self) -> int:
        if self.not_recorded is NotRecorded.ALL_OR_NOTHING:
            return 2
        return 1 if self.refused else 0


def ingest(
    ctx: Context,
    path: Path,
    out_dir: Path,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: Progress = NO_PROGRESS,
) -> IngestResult:
    from ..workbook.sheets import INPUT_SHEETS

    plan = Plan(
        kind="ingest",
        label="Ingest",
        specs=INPUT_SHEETS,
        to_rows=_domain_rows,
        decide=lambda uow, rows: _decide(ctx, uow, rows, dry_run, all_or_nothing),
        rerun=lambda folder: ("ingest", path, "--out-dir", folder),
        write=not dry_run,
    )
    done = run(ctx, path, out_dir, plan, progress)
    decision, recorded = done.decision, done.batch_id is not None
    return IngestResult(
        file_name=path.name,
        recorded=recorded,
        counts=decision.counts,
        refused=decision.refused,
        before=decision.before,
        after=decision.after if recorded else decision.before,
        decisions_path=done.decisions_path,
        report_path=done.report_path,
        skipped=done.book.skipped,
        not_recorded_reason=decision.hold,
        batch_id=done.batch_id,
        not_recorded=decision.held,
    )


@dataclass(frozen=True)
class _Rows:
    """The domain rows of an ingest, each made from its checked row as the engine reads it,
    with the titles of the sheets they came from (by contract name, in the order read). The
    run holds the checked rows until the batch ends: a list of the domain rows would hold
    every row a second time."""

    titles: dict[str, str]
    customers: _DomainRows[CustomerRow]
    templates: _DomainRows[TemplateRow]
    requests: _DomainRows[RequestRow]


R = TypeVar("R")


class _DomainRows(Sequence[R]):
    """The domain rows of one sheet (none when the workbook has no such sheet), each made
    from its checked row when it is read."""

    def __init__(self, checked: Checked, name: str, make: Callable[[str, CheckedRow], R]) -> None:
        found = checked.get(name)
        self._title = found[0].title if found is not None else ""
        self.checked: Sequence[CheckedRow] = found[1] if found is not None else []
        self._make = make

    def __len__(self) -> int:
        return len(self.checked)

    def __iter__(self) -> Iterator[R]:
        return map(self._make, repeat(self._title), self.checked)

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, slice):
            return [self._make(self._title, row) for row in self.checked[index]]
        return self._make(self._title, self.checked[index])


def _domain_rows(book: RawBook, checked: Checked) -> _Rows:
    from ..workbook.records import customer_row, request_row, template_row

    return _Rows(
        {name: sheet.title for name, (sheet, _rows) in checked.items()},
        _DomainRows(checked, "Customers", customer_row),
        _DomainRows(checked, "Templates", template_row),
        _DomainRows(checked, "Requests", request_row),
    )


def _decide(
    ctx: Context, uow: UnitOfWorkPort, rows: _Rows, dry_run: bool, all_or_nothing: bool
) -> Decision[BatchOutcome]:
    """The engine's decisions against the ledger as it is in this unit of work."""
    from ..workbook.records import request_id

    requests = rows.requests
    before = uow.balance()
    view = LedgerView(
        before,
        uow.customers(),
        uow.templates(),
        uow.requests(rid for row in requests.checked if (rid := request_id(row))),
        limit_from(uow.remaining_deltas(), ctx.business_date) if requests else None,
        uow.totals(),
    )
    counter = [uow.next_issuance_number()]

    def next_id() -> str:
        counter[0] += 1
        return format_issuance_id(counter[0] - 1)

    outcome = engine.decide_batch(
        rows.customers,
        rows.templates,
        requests,
        view,
        BatchContext(ctx.operator, ctx.business_date),
        next_id,
    )
    held = None
    if dry_run:
        held = NotRecorded.DRY_RUN
    elif all_or_nothing and outcome.refused:
        held = NotRecorded.ALL_OR_NOTHING
    if held is not None:  # nothing is issued: the outputs show no issuance id
        for d in outcome.decisions:
            if d.decision == RequestDecision.PENDING_APPROVAL:
                d.issuance_id = ""
    return Decision(
        outcome=outcome,
        decisions=outcome.decisions,
        refused=outcome.refused,
        before=before,
        after=view.balance,
        counts=_counts(rows.titles, outcome),
        record=lambda info: uow.record_batch(info, outcome),
        held=held,
        hold=held.text(outcome.refused) if held is not None else "",
    )


def _counts(titles: dict[str, str], outcome: BatchOutcome) -> dict[str, dict[str, int]]:
    """Each sheet's decision counts, every decision of the sheet named (zeros included);
    `titles` gives each sheet's title by its contract name."""
    names = {title: name for name, title in titles.items()}
    tally: dict[str, Counter[str]] = {name: Counter() for name in titles}
    for d in outcome.decisions:
        tally[names[d.sheet]][d.decision] += 1
    return {
        name: {decision: tally[name][decision] for decision in DECISIONS[name]} for name in titles
    }
