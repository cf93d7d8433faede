"""`ingest`: a workbook of Customers, Templates and Requests, read -> checked -> decided by the
domain engine against the ledger -> recorded in one transaction -> rendered as the decision
workbook and the batch report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .. import checkpoints
from ..domain import engine
from ..domain.engine import BatchContext, BatchOutcome, LedgerView
from ..domain.quota import Balance, limit_from
from ..domain.vocabulary import DECISIONS, NotRecorded, RequestDecision, flat_counts
from ..ledger import BatchInfo
from . import after_commit
from .context import Context, Progress, file_sha256, no_progress, prepare_outputs
from .writing import check_batch_names, write_batch_files

if TYPE_CHECKING:  # the reading and checking stack (pandas, pandera) loads only when used
    from ..workbook.reader import RawSheet
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
    progress: Progress = no_progress,
) -> IngestResult:
    from ..workbook.reader import read_workbook
    from ..workbook.records import customer_row, request_row, template_row
    from ..workbook.validation import check_sheet
    from .batches import keep_batch
    from .outputs import BatchFacts

    out_dir = prepare_outputs(ctx, out_dir)
    check_batch_names(out_dir, path.stem)
    progress(f"reading {path.name}")
    checkpoints.reached("reading")
    book = read_workbook(path)
    sha = file_sha256(path)
    progress("checking cells")
    checked = {sheet.spec.name: (sheet, check_sheet(sheet)) for sheet in book.sheets}
    customers = [customer_row(title, r) for title, r in _rows(checked, "Customers")]
    templates = [template_row(title, r) for title, r in _rows(checked, "Templates")]
    requests = [request_row(title, r) for title, r in _rows(checked, "Requests")]

    progress("deciding")
    recorded_at = None
    batch_id: int | None = None
    with ctx.ledger.unit_of_work(write=not dry_run) as uow:
        checkpoints.reached("deciding")
        before = uow.balance()
        view = LedgerView(
            before,
            uow.customers(),
            uow.templates(),
            uow.requests(r.request_id for r in requests if r.request_id),
            limit_from(uow.remaining_deltas(), ctx.business_date) if requests else None,
            uow.totals(),
        )
        counter = [uow.next_issuance_number()]

        def next_id() -> str:
            counter[0] += 1
            return engine.format_issuance_id(counter[0] - 1)

        outcome = engine.decide_batch(
            customers,
            templates,
            requests,
            view,
            BatchContext(ctx.operator, ctx.business_date),
            next_id,
        )
        after = view.balance
        counts = _counts(checked, outcome)
        not_recorded = None
        if dry_run:
            not_recorded = NotRecorded.DRY_RUN
        elif all_or_nothing and outcome.refused:
            not_recorded = NotRecorded.ALL_OR_NOTHING
        reason = not_recorded.text(outcome.refused) if not_recorded is not None else ""
        if not_recorded is None:
            progress("recording")
            kept = keep_batch(
                "Ingest", counts, before, after, book.skipped, book.sheets, outcome.decisions
            )
            new_id = uow.record_batch(
                BatchInfo(
                    "ingest",
                    path.name,
                    sha,
                    ctx.operator,
                    ctx.business_date,
                    flat_counts(counts),
                    kept,
                ),
                outcome,
            )
            recorded_at = uow.recorded_at
            checkpoints.reached("recording")
            # marked once the database has committed, with Ctrl-C held in between (R18)
            uow.on_commit.append(
                partial(
                    after_commit.mark,
                    after_commit.Committed(
                        path.name,
                        new_id,
                        out_dir,
                        after_commit.rerun_command(
                            *_run_options(ctx), "ingest", path, "--out-dir", out_dir
                        ),
                        after_commit.ledger_options(ctx.ledger.name),
                    ),
                )
            )
            uow.commit()
            batch_id = new_id
    recorded = not_recorded is None
    if not recorded:
        for d in outcome.decisions:
            if d.decision == RequestDecision.PENDING_APPROVAL:
                d.issuance_id = ""
    progress("writing outputs")
    facts = BatchFacts(
        "Ingest",
        path.name,
        sha,
        ctx.operator,
        ctx.business_date,
        ctx.ledger.name,
        recorded,
        reason,
        counts,
        before,
        after,
        out_dir / f"{path.stem}-decisions.xlsx",
        out_dir / f"{path.stem}-report.html",
        book.skipped,
        recorded_at=recorded_at,
        not_recorded=not_recorded,
    )
    decisions_path, report_path = write_batch_files(
        out_dir, path.stem, facts, book.sheets, outcome.decisions, batch_id
    )
    return IngestResult(
        path.name,
        recorded,
        counts,
        outcome.refused,
        before,
        after if recorded else before,
        decisions_path,
        report_path,
        book.skipped,
        reason,
        batch_id,
        not_recorded,
    )


def _run_options(ctx: Context) -> tuple[str, ...]:
    return after_commit.run_options(ctx.ledger.name, ctx.operator, ctx.business_date.isoformat())


def _rows(
    checked: dict[str, tuple[RawSheet, list[CheckedRow]]], name: str
) -> list[tuple[str, CheckedRow]]:
    """The checked rows of the sheet `name` (if the workbook has it), with its title."""
    if name not in checked:
        return []
    sheet, rows = checked[name]
    return [(sheet.title, row) for row in rows]


def _counts(
    checked: dict[str, tuple[RawSheet, list[CheckedRow]]], outcome: BatchOutcome
) -> dict[str, dict[str, int]]:
    titles = {sheet.title: name for name, (sheet, _rows) in checked.items()}
    tally: dict[str, Counter[str]] = {name: Counter() for name in checked}
    for d in outcome.decisions:
        tally[titles[d.sheet]][d.decision] += 1
    return {
        name: {decision: tally[name][decision] for decision in DECISIONS[name]} for name in checked
    }
