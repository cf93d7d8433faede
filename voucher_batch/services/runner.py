"""The staged batch runner: the one pipeline that turns a workbook into a batch (ingest,
review import).

read (the file opened once; its sha256 from the very bytes parsed) -> check (cell readers,
pandera) -> to domain rows -> decide and record (one unit of work, one transaction) -> mark the
commit once the unit of work has closed (R18) -> render (decision workbook and batch report,
R17). A use case gives a `Plan`: its sheets, how checked rows become domain rows, how to
decide them and record the decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from .. import checkpoints
from ..domain.problems import Decided
from ..domain.quota import Balance
from ..domain.vocabulary import NotRecorded, flat_counts
from ..ledger import BatchInfo
from . import after_commit
from .collection import collection_paused
from .context import Context, prepare_outputs
from .keeping import keep_batch
from .ports import UnitOfWorkPort
from .progress import Progress
from .write_ahead import WriteAhead, start
from .writing import check_batch_names, write_batch_files

if TYPE_CHECKING:  # the reading and checking stack (pandas, pandera) loads only when used
    from ..ledger.kept import KeptBatch
    from ..workbook.reader import RawBook, RawSheet
    from ..workbook.sheets import SheetSpec
    from ..workbook.validation import CheckedRow
    from .outputs import BatchFacts

Rows = TypeVar("Rows")
Outcome = TypeVar("Outcome")  # the domain's outcome of a use case
# the checked rows of each sheet read, by the sheet's contract name, with the sheet
Checked = dict[str, tuple["RawSheet", list["CheckedRow"]]]


@dataclass(frozen=True)
class Decision(Generic[Outcome]):
    """What a use case decided inside the unit of work, and how to record it there."""

    outcome: Outcome
    decisions: Sequence[Decided]
    refused: int
    before: Balance
    after: Balance  # as decided, whether or not it is recorded
    counts: dict[str, dict[str, int]]  # decision counts by sheet
    record: Callable[[BatchInfo], int]  # records the batch in the open unit of work: its id
    held: NotRecorded | None = None  # why nothing is recorded (None: the batch is recorded)
    hold: str = ""  # the same, as the outputs say it ("all-or-nothing: 2 row(s) refused")


@dataclass(frozen=True)
class Plan(Generic[Rows, Outcome]):
    """The parts of a use case the runner does not know."""

    kind: str  # the ledger's batch kind
    label: str  # the batch as its outputs name it
    specs: tuple[SheetSpec, ...]  # the sheets read and checked
    to_rows: Callable[[RawBook, Checked], Rows]
    decide: Callable[[UnitOfWorkPort, Rows], Decision[Outcome]]
    # the command (its words after the global options) that writes the outputs again
    rerun: Callable[[Path], tuple[str | Path, ...]]
    extras: tuple[str, ...] = ()  # further sheets read as plain rows
    write: bool = True  # False: the ledger is only read (a dry run)


@dataclass(frozen=True)
class Settled(Generic[Outcome]):
    """A decision after its unit of work has closed."""

    decision: Decision[Outcome]
    batch_id: int | None  # None: nothing was recorded
    recorded_at: datetime | None


@dataclass(frozen=True)
class Run(Generic[Rows, Outcome]):
    """A finished run: the book read, the decision, where the outputs went."""

    book: RawBook
    rows: Rows
    settled: Settled[Outcome]
    decisions_path: Path
    report_path: Path

    @property
    def decision(self) -> Decision[Outcome]:
        return self.settled.decision

    @property
    def batch_id(self) -> int | None:
        return self.settled.batch_id


def run(
    ctx: Context, path: Path, out_dir: Path, plan: Plan[Rows, Outcome], progress: Progress
) -> Run[Rows, Outcome]:
    """Every stage of a batch, in order; see the module docstring."""
    with collection_paused():
        return _run(ctx, path, out_dir, plan, progress)


def _run(
    ctx: Context, path: Path, out_dir: Path, plan: Plan[Rows, Outcome], progress: Progress
) -> Run[Rows, Outcome]:
    out_dir = prepare_outputs(ctx, out_dir)
    check_batch_names(out_dir, path.stem)
    book = read(path, plan, progress)
    checked = check(book, progress)
    rows = plan.to_rows(book, checked)
    progress.phase("deciding", _row_count(book))
    ahead: WriteAhead | None = None

    def decided(decision: Decision[Outcome]) -> None:
        """A batch about to be recorded: its decision workbook is written meanwhile."""
        nonlocal ahead
        if decision.held is None:
            facts = _facts(ctx, path, plan.label, book, decision, recorded=True)
            ahead = start(out_dir, facts, book.sheets, decision.decisions)

    try:
        settled = decide_and_record(
            ctx,
            plan.kind,
            path.name,
            book.sha256,
            lambda uow: plan.decide(uow, rows),
            lambda d: _kept(plan.label, book, d),
            write=plan.write,
            progress=progress,
            committed=lambda batch_id: after_commit.Committed(
                path.name,
                batch_id,
                out_dir,
                after_commit.rerun_command(
                    *after_commit.run_options(
                        ctx.ledger.name, ctx.operator, ctx.business_date.isoformat()
                    ),
                    *plan.rerun(out_dir),
                ),
                after_commit.ledger_options(ctx.ledger.name),
            ),
            decided=decided,
        )
        decisions_path, report_path = render(
            ctx, path, out_dir, plan.label, book, settled, progress, ahead
        )
    finally:
        if ahead is not None:  # stopped, and its file removed, unless it was placed
            ahead.close()
    return Run(book, rows, settled, decisions_path, report_path)


def read(path: Path, plan: Plan[Rows, Outcome], progress: Progress) -> RawBook:
    """The workbook, its file opened once; `sha256` is that of the bytes parsed."""
    from ..workbook.reader import read_workbook

    checkpoints.reached("reading")
    return read_workbook(path, plan.specs, extras=plan.extras, progress=progress)


def check(book: RawBook, progress: Progress) -> Checked:
    """Each sheet's rows through the cell readers and its schema."""
    from ..workbook.validation import check_sheet

    progress.phase("checking cells", _row_count(book))
    checked: Checked = {}
    for sheet in book.sheets:
        checked[sheet.spec.name] = (sheet, check_sheet(sheet))
        progress.advance(len(sheet.rows))
    return checked


def decide_and_record(
    ctx: Context,
    kind: str,
    source: str,
    sha256: str,
    decide: Callable[[UnitOfWorkPort], Decision[Outcome]],
    keep: Callable[[Decision[Outcome]], KeptBatch],
    write: bool = True,
    progress: Progress | None = None,
    committed: Callable[[int], after_commit.Committed] | None = None,
    decided: Callable[[Decision[Outcome]], None] | None = None,
) -> Settled[Outcome]:
    """Decide against the ledger and, unless the decision is held, record the batch with
    what it keeps (`keep`) in the same transaction (R10, R13). The commit is marked
    (`after_commit`, with `committed(batch_id)`) once the database has committed, with
    Ctrl-C held in between, so every later failure says the batch WAS recorded (R18).
    `decided` hears the decision before anything is recorded."""
    recorded_at: datetime | None = None
    batch_id: int | None = None
    with ctx.ledger.unit_of_work(write=write) as uow:
        checkpoints.reached("deciding")
        decision = decide(uow)
        if decided is not None:
            decided(decision)
        if progress is not None:
            progress.advance(len(decision.decisions))
        if decision.held is None:
            if progress is not None:
                progress.phase("recording", len(decision.decisions))
            info = BatchInfo(
                kind=kind,
                file_name=source,
                file_sha256=sha256,
                operator=ctx.operator,
                business_date=ctx.business_date,
                counts=flat_counts(decision.counts),
                kept=keep(decision),
            )
            new_id = decision.record(info)
            recorded_at = uow.recorded_at
            checkpoints.reached("recording")
            mark = (
                committed(new_id)
                if committed is not None
                else after_commit.Committed(
                    source, new_id, ledger_options=after_commit.ledger_options(ctx.ledger.name)
                )
            )
            uow.on_commit.append(partial(after_commit.mark, mark))
            uow.commit()
            batch_id = new_id
            if progress is not None:
                progress.advance(len(decision.decisions))
    return Settled(decision, batch_id, recorded_at)


def render(
    ctx: Context,
    path: Path,
    out_dir: Path,
    label: str,
    book: RawBook,
    settled: Settled[Outcome],
    progress: Progress,
    ahead: WriteAhead | None = None,
) -> tuple[Path, Path]:
    """The decision workbook (or the one `ahead` writes) and the batch report; after a
    commit any failure says the batch WAS recorded (see `write_batch_files`)."""
    decision = settled.decision
    facts = _facts(
        ctx, path, label, book, decision, settled.batch_id is not None, settled.recorded_at
    )
    return write_batch_files(
        out_dir,
        path.stem,
        facts,
        book.sheets,
        decision.decisions,
        settled.batch_id,
        progress,
        ahead,
    )


def _facts(
    ctx: Context,
    path: Path,
    label: str,
    book: RawBook,
    decision: Decision[Outcome],
    recorded: bool,
    recorded_at: datetime | None = None,
) -> BatchFacts:
    """What a batch's outputs show."""
    from .outputs import BatchFacts

    return BatchFacts(
        kind=label,
        file_name=path.name,
        sha256=book.sha256,
        operator=ctx.operator,
        business_date=ctx.business_date,
        ledger=ctx.ledger.name,
        recorded=recorded,
        not_recorded_reason=decision.hold,
        not_recorded=decision.held,
        counts=decision.counts,
        before=decision.before,
        after=decision.after,
        skipped=book.skipped,
        recorded_at=recorded_at,
    )


def _row_count(book: RawBook) -> int:
    return sum(len(sheet.rows) for sheet in book.sheets)


def _kept(label: str, book: RawBook, decision: Decision[Outcome]) -> KeptBatch:
    """What a batch read from a workbook keeps: its rows as read, with their decisions."""
    return keep_batch(
        label,
        decision.counts,
        decision.before,
        decision.after,
        book.skipped,
        book.sheets,
        decision.decisions,
    )
