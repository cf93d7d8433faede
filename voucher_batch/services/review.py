"""The review loop: export pending issuances to a workbook, import the reviewers' decisions.

`review_import` is the same visible pipeline as an ingest: read (openpyxl) -> check (cell
readers, pandera) -> decide (domain.review: row checks, four eyes, R10/R11) -> record (one
ledger transaction) -> render (decision workbook and HTML report). Rows are matched by
Issuance ID, never by position, so sorting and filtering by reviewers do not matter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.identity import unsafe_identity_message
from ..domain.quota import Balance
from ..domain.review import ReviewOutcome, decide_reviews
from ..domain.review_checks import ReviewContext, ReviewRow
from ..domain.row_check import sign
from ..domain.vocabulary import DECISIONS
from ..errors import InputFileError, RuleError
from ..ledger import BatchInfo
from ..workbook.review_book import MANIFEST_SHEET
from .context import Context
from .keeping import keep_review_rows
from .ports import UnitOfWorkPort
from .progress import NO_PROGRESS, Progress
from .review_export import ISSUANCE_KEY, ledger_secret, manifest_text
from .review_links import check_voucher_ids, record_links
from .runner import Checked, Decision, Plan, decide_and_record, run

if TYPE_CHECKING:
    from ..ledger.kept import KeptBatch
    from ..workbook.reader import RawBook

LABEL, REVIEW_SHEET = "Review import", "Review"  # the batch and its sheet, as outputs name them


@dataclass
class ReviewResult:
    outcome: ReviewOutcome
    before: Balance
    after: Balance
    counts: dict[str, int]
    recorded_at: datetime | None = None
    batch_id: int = 0


def apply_reviews(
    ctx: Context,
    rows: Sequence[ReviewRow],
    source: str,
    sha256: str,
    reviewer: str | None = None,
    manifest: dict[str, str] | None = None,
    manifest_ids: Sequence[str] = (),
    checked: bool = False,
) -> ReviewResult:
    """Decide review rows against the ledger and record them in one transaction (R10).

    With `checked`, every row must carry a valid row check; with a `manifest`, it must be
    this ledger's and the rows must belong to it. The batch keeps the fields of each row
    with its decision (R17)."""

    def keep(d: Decision[ReviewOutcome]) -> KeptBatch:
        return keep_review_rows(LABEL, d.counts, d.before, d.after, rows, d.decisions)

    decide = _review_decider(ctx, source, reviewer, manifest, manifest_ids, checked)
    settled = decide_and_record(ctx, "review", source, sha256, lambda uow: decide(uow, rows), keep)
    assert settled.batch_id is not None  # a review decision is never held
    return _review_result(settled.decision, settled.batch_id, settled.recorded_at)


def _review_result(
    decision: Decision[ReviewOutcome], batch_id: int, recorded_at: datetime | None
) -> ReviewResult:
    return ReviewResult(
        outcome=decision.outcome,
        before=decision.before,
        after=decision.after,
        counts=decision.counts[REVIEW_SHEET],
        recorded_at=recorded_at,
        batch_id=batch_id,
    )


def _review_decider(
    ctx: Context,
    source: str,
    reviewer: str | None,
    manifest: dict[str, str] | None,
    manifest_ids: Sequence[str],
    checked: bool,
) -> Callable[[UnitOfWorkPort, Sequence[ReviewRow]], Decision[ReviewOutcome]]:
    """How review rows are decided in a unit of work: the export verified (if it came with
    a manifest), then row checks, four eyes, R10 and R11 (`domain.review`)."""

    def decide(uow: UnitOfWorkPort, rows: Sequence[ReviewRow]) -> Decision[ReviewOutcome]:
        secret, ledger_id = ledger_secret(uow, create=False)
        exported = _verified_export(manifest, manifest_ids, secret, ledger_id, source)
        before = uow.balance()
        pool = uow.issuances_under_review(r.issuance_id for r in rows if r.issuance_id)
        review_ctx = ReviewContext(ctx.operator, ctx.business_date, reviewer)
        key = (secret or b"no review export was made from this ledger") if checked else None
        rows, links_of = check_voucher_ids(uow, rows)
        outcome, after = decide_reviews(rows, pool, before, review_ctx, key, exported)
        links = links_of(outcome)

        def record(info: BatchInfo) -> int:
            batch_id = uow.record_reviews(info, outcome.new)
            record_links(uow, info, links)
            return batch_id

        counts = {d: 0 for d in DECISIONS["Review"]}
        for decision in outcome.decisions:
            counts[decision.decision] += 1
        return Decision(
            outcome=outcome,
            decisions=outcome.decisions,
            refused=outcome.refused,
            before=before,
            after=after,
            counts={REVIEW_SHEET: counts},
            record=record,
        )

    return decide


def _verified_export(
    manifest: dict[str, str] | None,
    manifest_ids: Sequence[str],
    secret: bytes | None,
    ledger_id: str | None,
    source: str,
) -> frozenset[str] | None:
    if manifest is None:
        return None
    ids = list(manifest_ids)
    expected = (
        sign(
            secret,
            manifest_text(
                manifest.get("export_id", ""),
                ledger_id or "",
                manifest.get("generated_at", ""),
                ids,
            ),
        )
        if secret
        else None
    )
    if manifest.get("ledger_id") != ledger_id or manifest.get("signature") != expected:
        raise InputFileError(
            f"{source}: this review workbook was not exported from this ledger, or its "
            f"manifest was altered (export {manifest.get('export_id', '?')}); nothing was "
            "recorded"
        )
    return frozenset(ids)


@dataclass
class ImportResult:
    file_name: str
    counts: dict[str, int]
    refused: int
    before: Balance
    after: Balance
    decisions_path: Path
    report_path: Path
    notes: list[str] = field(default_factory=list)
    batch_id: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


def review_import(
    ctx: Context,
    path: Path,
    out_dir: Path,
    reviewer: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportResult:
    from ..workbook.sheets import REVIEW

    unsafe = unsafe_identity_message("--reviewer", reviewer or "")
    if unsafe:
        raise RuleError(unsafe)

    def decide(uow: UnitOfWorkPort, book: _ReviewBook) -> Decision[ReviewOutcome]:
        decider = _review_decider(ctx, path.name, reviewer, book.manifest, book.ids, True)
        return decider(uow, book.rows)

    def rerun(folder: Path) -> tuple[str | Path, ...]:
        by = ("--reviewer", reviewer) if reviewer else ()
        return ("review", "import", path, "--out-dir", folder, *by)

    plan = Plan(
        kind="review",
        label=LABEL,
        specs=(REVIEW,),
        to_rows=_review_book,
        decide=decide,
        rerun=rerun,
        extras=(MANIFEST_SHEET,),
    )
    done = run(ctx, path, out_dir, plan, progress)
    assert done.batch_id is not None  # a review decision is never held
    result = _review_result(done.decision, done.batch_id, done.settled.recorded_at)
    return ImportResult(
        file_name=path.name,
        counts=result.counts,
        refused=result.outcome.refused,
        before=result.before,
        after=result.after,
        decisions_path=done.decisions_path,
        report_path=done.report_path,
        notes=[] if done.rows.manifest else [NO_MANIFEST],
        batch_id=done.batch_id,
    )


NO_MANIFEST = "the workbook has no export manifest; rows were checked one by one against the ledger"


@dataclass(frozen=True)
class _ReviewBook:
    """A review workbook's rows as domain rows, with the export manifest it carries (its
    key/value rows, None without one) and the ids of the issuances it lists."""

    rows: list[ReviewRow]
    manifest: dict[str, str] | None
    ids: list[str]


def _review_book(book: RawBook, checked: Checked) -> _ReviewBook:
    from ..workbook.records import review_row

    [(sheet, rows)] = checked.values()
    present = set(sheet.mapping)
    raw = [r for r in book.extras.get(MANIFEST_SHEET, []) if len(r) >= 2 and r[0]]
    manifest = {str(k): "" if v is None else str(v) for k, v, *_ in raw if k != ISSUANCE_KEY}
    return _ReviewBook(
        [review_row(sheet.title, r, present) for r in rows],
        manifest or None,
        [str(v) for k, v, *_ in raw if k == ISSUANCE_KEY and v],
    )
