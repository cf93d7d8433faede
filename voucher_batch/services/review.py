"""The review loop: export pending issuances to a workbook, import the reviewers' decisions.

`review_import` is the same visible pipeline as an ingest: read (openpyxl) -> check (cell
readers, pandera) -> decide (domain.review: row checks, four eyes, R10/R11) -> record (one
ledger transaction) -> render (decision workbook and HTML report). Rows are matched by
Issuance ID, never by position, so sorting and filtering by reviewers do not matter.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .. import checkpoints
from ..calendars import business_calendar
from ..domain.identity import unsafe_identity_message
from ..domain.quota import Balance
from ..domain.review import (
    ReviewContext,
    ReviewOutcome,
    ReviewRow,
    decide_reviews,
    row_check,
    sign,
)
from ..domain.vocabulary import DECISIONS, count_key
from ..errors import InputFileError, RuleError
from ..ledger import BatchInfo
from ..workbook.review_book import MANIFEST_SHEET, ReviewExport, write_review_export
from . import after_commit
from .batches import keep_batch, keep_review_rows
from .context import Context, Progress, file_sha256, no_progress, prepare_outputs
from .names import REVIEW_EXPORT, check_names_fit, counted, write_new
from .outputs import BatchFacts
from .ports import UnitOfWorkPort
from .writing import check_batch_names, write_batch_files

if TYPE_CHECKING:
    from ..workbook.reader import RawSheet

SECRET_KEY, LEDGER_ID_KEY = "review_secret", "ledger_id"
ISSUANCE_KEY = "issuance"  # manifest rows listing the exported issuances


def _secret(uow: UnitOfWorkPort, create: bool) -> tuple[bytes | None, str | None]:
    secret = uow.meta_value(SECRET_KEY, (lambda: secrets.token_hex(32)) if create else None)
    ledger_id = uow.meta_value(LEDGER_ID_KEY, (lambda: uuid.uuid4().hex) if create else None)
    return (bytes.fromhex(secret) if secret else None), ledger_id


def _manifest_text(export_id: str, ledger_id: str, generated: str, ids: Sequence[str]) -> str:
    return "|".join([export_id, ledger_id, generated, ",".join(ids)])


@dataclass(frozen=True)
class ExportResult:
    path: Path
    export_id: str
    rows: int
    overdue: int


def review_export(
    ctx: Context, out_dir: Path, calendar: str | None = None, progress: Progress = no_progress
) -> ExportResult:
    """Write review-<as-of>.xlsx with every pending issuance."""
    out_dir = prepare_outputs(ctx, out_dir)
    check_names_fit(
        out_dir,
        [f"review-{ctx.business_date.isoformat()}-EXP-00000000-000000-99.xlsx"],
        "choose another --out-dir",
    )
    progress("collecting pending issuances")
    with ctx.ledger.unit_of_work(write=True) as uow:
        secret, ledger_id = _secret(uow, create=True)
        pending = list(uow.issuances_under_review(None).values())
        names = {uin: c.name for uin, c in uow.customers().items()}
        uow.commit()  # keeps the secret and ledger id made on the first export
    assert secret is not None and ledger_id is not None
    first = min((i.requested_on.year for i in pending), default=ctx.business_date.year)
    cal = business_calendar(calendar, range(first, ctx.business_date.year + 1))
    generated = datetime.now(UTC).replace(microsecond=0)
    export_id = f"EXP-{ctx.business_date:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"
    rows: list[list[object]] = []
    overdue: list[bool] = []
    for i in pending:
        waiting = cal.days_between(i.requested_on, ctx.business_date)
        overdue.append(cal.overdue(i.requested_on, ctx.business_date))
        rows.append(
            [
                i.issuance_id,
                i.request_id,
                i.template.name,
                i.customer_uin,
                names.get(i.customer_uin, ""),
                i.amount,
                i.estimated_revenue,
                i.estimated_conversion_date,
                i.reason,
                i.requested_by,
                i.requested_on,
                waiting,
                None,
                None,
                None,
                None,
                row_check(secret, i),
            ]
        )
    ids = [i.issuance_id for i in pending]
    stamp = generated.isoformat()
    manifest = [
        ("export_id", export_id),
        ("ledger_id", ledger_id),
        ("generated_at", stamp),
        ("as_of", ctx.business_date.isoformat()),
        ("operator", ctx.operator),
        ("rows", str(len(ids))),
        ("signature", sign(secret, _manifest_text(export_id, ledger_id, stamp, ids))),
        # one row per issuance: a cell holds at most 32,767 characters
        *((ISSUANCE_KEY, i) for i in ids),
    ]
    progress(f"writing {len(rows)} rows")
    export = ReviewExport(
        export_id, generated, ctx.business_date, ctx.operator, cal.name, rows, overdue, manifest
    )
    # a review workbook may already be in a reviewer's hands: never written over; a taken
    # name gives way to one with the export ID
    base = f"review-{ctx.business_date.isoformat()}"
    path = write_new(
        out_dir,
        (f"{base}{tag}.xlsx" for tag in counted("", f"-{export_id}")),
        REVIEW_EXPORT,
        lambda target: write_review_export(target, export),
    )
    return ExportResult(path, export_id, len(rows), sum(overdue))


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
    sheets: Sequence[RawSheet] = (),
    skipped: Sequence[str] = (),
) -> ReviewResult:
    """Decide review rows against the ledger and record them in one transaction (R10).

    With `checked`, every row must carry a valid row check (rows from a review workbook);
    with a `manifest`, it must be this ledger's and the rows must belong to it. The batch
    keeps every row with its decision: the rows of `sheets` as read, or without a workbook
    the fields of `rows` (R17)."""
    with ctx.ledger.unit_of_work(write=True) as uow:
        secret, ledger_id = _secret(uow, create=False)
        exported = _verified_export(manifest, manifest_ids, secret, ledger_id, source)
        before = uow.balance()
        pool = uow.issuances_under_review(r.issuance_id for r in rows if r.issuance_id)
        review_ctx = ReviewContext(ctx.operator, ctx.business_date, reviewer)
        key = (secret or b"no review export was made from this ledger") if checked else None
        outcome, after = decide_reviews(rows, pool, before, review_ctx, key, exported)
        counts = {d: 0 for d in DECISIONS["Review"]}
        for decision in outcome.decisions:
            counts[decision.decision] += 1
        flat = {count_key("Review", d): n for d, n in counts.items()}
        nested = {"Review": counts}
        label = "Review import"
        kept = (
            keep_batch(label, nested, before, after, skipped, sheets, outcome.decisions)
            if sheets
            else keep_review_rows(label, nested, before, after, rows, outcome.decisions)
        )
        info = BatchInfo("review", source, sha256, ctx.operator, ctx.business_date, flat, kept)
        batch_id = uow.record_reviews(info, outcome.new)
        recorded_at = uow.recorded_at
        checkpoints.reached("recording")
        # marked once the database has committed, with Ctrl-C held in between (R18)
        uow.on_commit.append(
            partial(
                after_commit.mark,
                after_commit.Committed(
                    source, batch_id, ledger_options=after_commit.ledger_options(ctx.ledger.name)
                ),
            )
        )
        uow.commit()
    return ReviewResult(outcome, before, after, counts, recorded_at, batch_id)


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
            _manifest_text(
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
    progress: Progress = no_progress,
) -> ImportResult:
    from ..workbook.reader import read_workbook
    from ..workbook.records import review_row
    from ..workbook.sheets import REVIEW
    from ..workbook.validation import check_sheet

    unsafe = unsafe_identity_message("--reviewer", reviewer or "")
    if unsafe:
        raise RuleError(unsafe)
    out_dir = prepare_outputs(ctx, out_dir)
    check_batch_names(out_dir, path.stem)
    progress(f"reading {path.name}")
    book = read_workbook(path, (REVIEW,), extras=(MANIFEST_SHEET,))
    sha = file_sha256(path)
    [sheet] = book.sheets
    progress("checking cells")
    present = set(sheet.mapping)
    rows = [review_row(sheet.title, r, present) for r in check_sheet(sheet)]
    raw_manifest = [r for r in book.extras.get(MANIFEST_SHEET, []) if len(r) >= 2 and r[0]]
    manifest = {
        str(k): "" if v is None else str(v) for k, v, *_ in raw_manifest if k != ISSUANCE_KEY
    } or None
    manifest_ids = [str(v) for k, v, *_ in raw_manifest if k == ISSUANCE_KEY and v]
    notes = (
        []
        if manifest
        else [
            "the workbook has no export manifest; rows were checked one by one against the ledger"
        ]
    )
    progress("deciding")
    result = apply_reviews(
        ctx,
        rows,
        path.name,
        sha,
        reviewer,
        manifest,
        manifest_ids,
        checked=True,
        sheets=book.sheets,
        skipped=book.skipped,
    )
    after_commit.mark(
        after_commit.Committed(
            path.name,
            result.batch_id,
            out_dir,
            after_commit.rerun_command(
                *after_commit.run_options(
                    ctx.ledger.name, ctx.operator, ctx.business_date.isoformat()
                ),
                "review",
                "import",
                path,
                "--out-dir",
                out_dir,
                *(("--reviewer", reviewer) if reviewer else ()),
            ),
            after_commit.ledger_options(ctx.ledger.name),
        )
    )
    progress("writing outputs")
    facts = BatchFacts(
        "Review import",
        path.name,
        sha,
        ctx.operator,
        ctx.business_date,
        ctx.ledger.name,
        True,
        "",
        {"Review": result.counts},
        result.before,
        result.after,
        out_dir / f"{path.stem}-decisions.xlsx",
        out_dir / f"{path.stem}-report.html",
        book.skipped,
        recorded_at=result.recorded_at,
    )
    decisions_path, report_path = write_batch_files(
        out_dir, path.stem, facts, book.sheets, result.outcome.decisions, result.batch_id
    )
    return ImportResult(
        path.name,
        result.counts,
        result.outcome.refused,
        result.before,
        result.after,
        decisions_path,
        report_path,
        notes,
        result.batch_id,
    )
