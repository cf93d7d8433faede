"""What a batch keeps with it (R17): the sheets as read and each row's decision, turned into
the plain records the ledger stores beside the batch (ledger/kept.py), so `batch show` can
rebuild its outputs later.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

from ..domain.problems import Decided
from ..domain.quota import Balance
from ..domain.review_checks import ReviewRow
from ..ledger.kept import KeptBatch, KeptProblem, KeptRow, KeptSheet
from .row_order import decisions_in_order

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
    kept_sheets = [
        KeptSheet(
            sheet.title,
            sheet.spec.name,
            sheet.header_row,
            [str(h) for h in sheet.headers],
            list(sheet.columns),
            dict(sheet.mapping),
        )
        for sheet in sheets
    ]
    rows = _KeptRows(list(sheets), decisions_in_order(sheets, decisions))
    return KeptBatch(label, counts, before, after, list(skipped), kept_sheets, rows)


class _KeptRows(Sequence[KeptRow]):
    """Every row of the sheets with its decision, each record made as it is read: the ledger
    stores them one by one, so the records of a million rows are never all held at once."""

    def __init__(self, sheets: list[RawSheet], decided: list[list[Decided]]) -> None:
        self._sheets = sheets
        self._decided = decided  # for each sheet, the decision of each row
        self._len = sum(len(sheet.rows) for sheet in sheets)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[KeptRow]:
        for n, (sheet, decided) in enumerate(zip(self._sheets, self._decided, strict=True)):
            for raw, d in zip(sheet.rows, decided, strict=True):
                yield _kept_row(n, raw.row, raw.values, d)

    @overload
    def __getitem__(self, index: int) -> KeptRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[KeptRow]: ...

    def __getitem__(self, index: int | slice) -> KeptRow | list[KeptRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        i = index + self._len if index < 0 else index
        if not 0 <= i < self._len:
            raise IndexError("kept row index out of range")
        for n, (sheet, decided) in enumerate(zip(self._sheets, self._decided, strict=True)):
            if i < len(sheet.rows):
                raw = sheet.rows[i]
                return _kept_row(n, raw.row, raw.values, decided[i])
            i -= len(sheet.rows)
        raise IndexError("kept row index out of range")  # pragma: no cover - counted above


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
