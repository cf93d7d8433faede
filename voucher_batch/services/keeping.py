"""What a batch keeps with it (R17): the sheets as read and each row's decision, turned into
the plain records the ledger stores beside the batch (ledger/kept.py), so `batch show` can
rebuild its outputs later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..domain.problems import Decided
from ..domain.quota import Balance
from ..domain.review_checks import ReviewRow
from ..ledger.kept import KeptBatch, KeptProblem, KeptRow, KeptSheet

if TYPE_CHECKING:
    from ..workbook.reader import RawSheet


def keep_batch(
    label: str,
    counts: dict[str, dict[str, int]],
    before: Balance,
    after: Balance,
    skipped: Sequence[str],
    sheets: Sequence[RawSheet],
    decisions: Sequence[Decided],
) -> KeptBatch:
    """The records a batch keeps: every row of `sheets` with its decision."""
    by_sheet: dict[str, dict[int, Decided]] = {}
    for d in decisions:
        by_sheet.setdefault(d.sheet, {})[d.row] = d
    kept_sheets: list[KeptSheet] = []
    rows: list[KeptRow] = []
    for n, sheet in enumerate(sheets):
        kept_sheets.append(
            KeptSheet(
                sheet.title,
                sheet.spec.name,
                sheet.header_row,
                [str(h) for h in sheet.headers],
                list(sheet.columns),
                dict(sheet.mapping),
            )
        )
        decided = by_sheet.get(sheet.title, {})
        rows.extend(_kept_row(n, raw.row, raw.values, decided[raw.row]) for raw in sheet.rows)
    return KeptBatch(label, counts, before, after, list(skipped), kept_sheets, rows)


def keep_review_rows(
    label: str,
    counts: dict[str, dict[str, int]],
    before: Balance,
    after: Balance,
    rows: Sequence[ReviewRow],
    decisions: Sequence[Decided],
) -> KeptBatch:
    """The records of a review batch that came as rows, not as a workbook: each row's
    fields as a `Review` sheet (one decision per row, in order)."""
    headers = ["Issuance ID", "Decision", "Review Comment", "Reviewer", "Decision Date"]
    sheet = KeptSheet(
        "Review", "Review", 1, headers, list(range(1, 6)), {h: i for i, h in enumerate(headers)}
    )
    kept = [
        _kept_row(0, d.row, [r.issuance_id, r.decision, r.comment, r.reviewer, r.decision_date], d)
        for r, d in zip(rows, decisions, strict=True)
    ]
    return KeptBatch(label, counts, before, after, [], [sheet], kept)


def _kept_row(sheet_no: int, row: int, values: Sequence[object], d: Decided) -> KeptRow:
    amount = getattr(d, "amount", None)
    remaining = getattr(d, "remaining", None)
    return KeptRow(
        sheet_no,
        row,
        list(values),
        d.decision,
        d.reason,
        [KeptProblem(p.column, str(p.code), p.message) for p in d.problems],
        getattr(d, "issuance_id", None) or None,
        amount if isinstance(amount, int) else None,
        remaining if isinstance(remaining, int) else None,
    )
