"""The batches a ledger recorded: listing them, and rebuilding a batch's decision workbook
and report from what it kept (R17).

`batches_list` and `batch_show` read back what `keeping` made each batch keep, and
`batch_show` with an output folder gives it to the same writer the batch used, so the
rebuilt outputs are the originals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.batch import RowDecision
from ..domain.problems import Code, Decided, Problem
from ..domain.review import ReviewDecision
from ..domain.vocabulary import parse_count_key
from ..errors import LedgerError, OutputError, VoucherBatchError
from ..ledger.kept import (
    KeptBatch,
)

if TYPE_CHECKING:
    from ..workbook.reader import RawSheet
    from .context import Context


MAX_BATCH_ID = 2**31 - 1  # batch ids are 32-bit integers in the ledger


class BatchNotFoundError(VoucherBatchError):
    """No batch of that id, or it cannot be rebuilt; nothing was written."""


# ---- listing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchListing:
    id: int
    kind: str  # ingest | review
    file_name: str
    file_sha256: str
    operator: str
    business_date: date
    recorded_at: datetime
    counts: dict[str, dict[str, int]]  # sheet -> decision -> rows

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "file_name": self.file_name,
            "operator": self.operator,
            "business_date": self.business_date.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "counts": self.counts,
        }


def _nested(flat: dict[str, int]) -> dict[str, dict[str, int]]:
    """{"Requests: Refused": 2} -> {"Requests": {"Refused": 2}}, keeping the order given."""
    out: dict[str, dict[str, int]] = {}
    for key, n in flat.items():
        sheet, decision = parse_count_key(key)
        out.setdefault(sheet, {})[decision] = int(n)
    return out


def _listing(r: Any, counts: dict[str, dict[str, int]] | None = None) -> BatchListing:
    return BatchListing(
        int(r.id),
        r.kind,
        r.file_name,
        r.file_sha256,
        r.operator,
        r.business_date,
        _utc(r.recorded_at),
        counts if counts is not None else _nested(json.loads(r.counts)),
    )


def _utc(stamp: datetime) -> datetime:
    """SQLite hands back the stored UTC time without its zone; say it is UTC."""
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def batches_list(ctx: Context) -> list[BatchListing]:
    """Every recorded batch, oldest first."""
    with ctx.ledger.unit_of_work() as uow:
        rows = uow.batch_rows()
        shown = uow.kept_shown_counts()  # the counts in the order the outputs show them
    return [_listing(r, shown.get(int(r.id))) for r in rows]


# ---- show and rebuild -------------------------------------------------------------------


@dataclass
class BatchShown:
    batch: BatchListing
    kept: KeptBatch | None  # None: recorded before batches kept their rows
    decisions_path: Path | None = None
    report_path: Path | None = None
    ledger: str = ""
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        data = self.batch.as_json()
        data["file_sha256"] = self.batch.file_sha256
        data["rows_kept"] = self.kept is not None
        if self.kept is not None:
            data["label"] = self.kept.label
            data["before"] = self.kept.before.as_dict()
            data["after"] = self.kept.after.as_dict()
            data["skipped"] = list(self.kept.skipped)
        data["decisions"] = str(self.decisions_path) if self.decisions_path else None
        data["report"] = str(self.report_path) if self.report_path else None
        return data


def batch_show(ctx: Context, batch_id: int, out_dir: Path | None = None) -> BatchShown:
    """The batch's facts and counts; with `out_dir`, also its decision workbook and report,
    rebuilt from what it kept."""
    with ctx.ledger.unit_of_work() as uow:
        row = uow.batch_row(batch_id) if 0 < batch_id <= MAX_BATCH_ID else None
        if row is None:
            last = uow.last_batch_id()
            known = f"the last batch is {last}" if last is not None else "no batches yet"
            raise BatchNotFoundError(
                f"ledger {ctx.ledger.name} has no batch {batch_id} ({known}; "
                "'voucher-batch batches list' shows them)"
            )
        kept = uow.kept_batch(batch_id)
        before_rows = uow.kept_since()
    listing = _listing(row, kept.counts if kept is not None else None)
    shown = BatchShown(listing, kept, ledger=ctx.ledger.name)
    if kept is None:
        old = before_rows is not None and batch_id <= before_rows
        why = (
            "it was recorded before this ledger kept each batch's rows (schema 4)"
            if old
            else "the ledger holds no rows for it"
        )
        shown.notes.append(
            f"batch {batch_id}: its decision workbook and report cannot be rebuilt: {why}"
        )
        if out_dir is not None:
            raise BatchNotFoundError(
                f"batch {batch_id} ({listing.file_name}): its decision workbook and report "
                f"cannot be rebuilt: {why}; nothing was written"
            )
        return shown
    if out_dir is not None:
        from .context import prepare_outputs

        folder = prepare_outputs(ctx, out_dir)
        shown.decisions_path, shown.report_path = rebuild_outputs(ctx, listing, kept, folder)
    return shown


def rebuild_outputs(
    ctx: Context, batch: BatchListing, kept: KeptBatch, out_dir: Path
) -> tuple[Path, Path]:
    """Write the batch's decision workbook and report again, from what it kept, under the
    names a recorded batch gets (the contract's when free, else `-batch-<ID>`, `-2`, ...),
    never over an existing file (R17)."""
    from .names import RECORDED, counted, write_pair
    from .outputs import BatchFacts, build_batch_outputs
    from .writing import batch_file_names

    sheets, decisions = raw_inputs(batch.id, kept)
    facts = BatchFacts(
        kind=kept.label,
        file_name=batch.file_name,
        sha256=batch.file_sha256,
        operator=batch.operator,
        business_date=batch.business_date,
        ledger=ctx.ledger.name,
        recorded=True,
        not_recorded_reason="",
        counts=kept.counts,
        before=kept.before,
        after=kept.after,
        skipped=list(kept.skipped),
        recorded_at=batch.recorded_at,
    )
    outputs = build_batch_outputs(facts, sheets, decisions)
    try:
        pair = write_pair(
            out_dir,
            batch_file_names(Path(batch.file_name).stem or "batch"),
            lambda: counted("", f"-batch-{batch.id}"),
            RECORDED,
            outputs.write_decisions,
            outputs.write_report,
        )
    except OSError as exc:
        raise OutputError(
            f"cannot write the outputs of batch {batch.id} to {out_dir}: {exc}"
        ) from None
    return pair.first, pair.second


@dataclass(slots=True)
class _KeptDecision(RowDecision):
    """A decision as the batch kept it: its reason is the one the batch wrote."""

    kept_reason: str = ""

    @property
    def reason(self) -> str:
        return self.kept_reason


def raw_inputs(batch_id: int, kept: KeptBatch) -> tuple[list[RawSheet], list[Decided]]:
    """The sheets as read and the decisions, as the batch's writer took them."""
    from ..workbook.reader import RawRow, RawSheet
    from ..workbook.sheets import INPUT_SHEETS, REVIEW

    specs = {s.name: s for s in (*INPUT_SHEETS, REVIEW)}
    sheets: list[RawSheet] = []
    for s in kept.sheets:
        if s.kind not in specs:
            raise LedgerError(f"batch {batch_id}: a kept sheet has the unknown kind {s.kind!r}")
        sheets.append(
            RawSheet(s.title, specs[s.kind], s.header_row, s.headers, s.columns, s.mapping, [])
        )
    decisions: list[Decided] = []
    for r in kept.rows:
        if not 0 <= r.sheet_no < len(sheets):
            raise LedgerError(f"batch {batch_id}: a kept row names no kept sheet")
        sheet = sheets[r.sheet_no]
        sheet.rows.append(RawRow(r.row, list(r.values)))
        try:
            problems = [
                Problem(sheet.title, r.row, p.column, None, Code(p.code), p.message)
                for p in r.problems
            ]
        except ValueError:
            raise LedgerError(
                f"batch {batch_id}: kept row {r.row} of '{sheet.title}' has an unknown problem code"
            ) from None
        if sheet.spec.name == "Review":
            decisions.append(
                _KeptReview(sheet.title, r.row, r.decision, problems, r.issuance_id or "", r.reason)
            )
        else:
            decisions.append(
                _KeptDecision(
                    sheet.title,
                    r.row,
                    r.decision,
                    problems,
                    r.issuance_id or "",
                    r.amount,
                    r.remaining,
                    r.reason,
                )
            )
    return sheets, decisions


@dataclass(slots=True)
class _KeptReview(ReviewDecision):
    kept_reason: str = ""

    @property
    def reason(self) -> str:
        return self.kept_reason
