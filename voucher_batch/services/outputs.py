"""What a batch writes back: the decision workbook and the HTML batch report (what the
report lists: `batch_report`).

Built from plain values (the rows as read, the engine's decisions, the batch's facts);
nothing here reads the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from ..domain.problems import Decided
from ..domain.quota import Balance
from ..domain.vocabulary import REFUSED, NotRecorded
from ..render import render_html
from ..workbook.writer import Table, cell_location, write_workbook
from .batch_report import LIST_LIMIT, SheetSection, report_title, sheet_section
from .row_order import decisions_in_order

if TYPE_CHECKING:
    from ..workbook.reader import RawRow, RawSheet


@dataclass(frozen=True)
class BatchFacts:
    """The facts of one batch that its outputs show."""

    kind: str
    file_name: str
    sha256: str
    operator: str
    business_date: date
    ledger: str
    recorded: bool
    not_recorded_reason: str
    counts: dict[str, dict[str, int]]
    before: Balance
    after: Balance  # as decided, whether or not it was recorded
    skipped: list[str] = field(default_factory=list)
    recorded_at: datetime | None = None  # the ledger's time stamp of the batch; None: now
    not_recorded: NotRecorded | None = None  # why nothing was recorded (None: recorded)


_EXTRA = {
    "Requests": ["Row", "Decision", "Reason", "Issuance ID", "Amount", "Remaining Quota"],
}


ErrorRow = tuple[list[object], str]  # an Errors row and the decision-sheet cell it links to


class _DecisionRows(Sequence[list[object]]):
    """The rows of a decision sheet: each input row's values, then the appended columns of
    its decision. Each row is made when it is written (the workbook streams its rows to
    disk), so the rows of a million-row sheet are never all held a second time."""

    def __init__(self, raws: Sequence[RawRow], in_order: Sequence[Any], requests: bool) -> None:
        if len(raws) != len(in_order):
            raise ValueError("one decision a row")
        self._raws = raws
        self._decided = in_order
        self._requests = requests

    def __len__(self) -> int:
        return len(self._raws)

    def __iter__(self) -> Iterator[list[object]]:
        return map(self._row, self._raws, self._decided)

    @overload
    def __getitem__(self, index: int) -> list[object]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[object]]: ...

    def __getitem__(self, index: int | slice) -> list[object] | list[list[object]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._row(self._raws[index], self._decided[index])

    def _row(self, raw: RawRow, d: Any) -> list[object]:
        if self._requests:
            decided = (d.decision, d.reason, d.issuance_id, d.amount, d.remaining)
            return [*raw.values, raw.row, *decided]
        return [*raw.values, raw.row, d.decision, d.reason]


def _decision_table(sheet: RawSheet, in_order: Sequence[Any]) -> tuple[Table, list[ErrorRow]]:
    """The decision sheet of one input sheet; `in_order` holds the decision of each row."""
    extra = _EXTRA.get(sheet.spec.name, ["Row", "Decision", "Reason"])
    headers = [str(h) for h in sheet.headers] + extra
    requests = sheet.spec.name == "Requests"
    highlight: list[bool] = []
    comments: dict[tuple[int, int], str] = {}
    errors: list[ErrorRow] = []
    for i, (raw, d) in enumerate(zip(sheet.rows, in_order, strict=True)):
        highlight.append(d.refused)
        if not d.problems:
            continue
        notes: dict[int, list[str]] = {}
        for p in d.problems:
            pos = sheet.position(p.column) if p.column else None
            pos = 0 if pos is None else pos
            notes.setdefault(pos, []).append(p.message)
            row: list[object] = [
                sheet.title,
                raw.row,
                sheet.cell_ref(pos, raw.row),
                sheet.headers[pos],
                raw.values[pos],
                p.message,
            ]
            # the decision sheet keeps the input's columns first, its rows in order from row 2
            errors.append((row, cell_location(sheet.title, pos, i + 2)))
        for pos, messages in notes.items():
            comments[(i, pos)] = "\n".join(messages)
    table = Table(
        sheet.title,
        headers,
        _DecisionRows(sheet.rows, in_order, requests),
        [None] * len(sheet.headers) + ["0"] + [None] * (len(extra) - 1),
        highlight,
        comments,
        appended_from=len(sheet.headers),
    )
    return table, errors


def _summary_table(batch: BatchFacts) -> Table:
    recorded = "yes" if batch.recorded else f"no ({batch.not_recorded_reason})"
    rows: list[list[object]] = [
        ["File", batch.file_name],
        ["SHA-256", batch.sha256],
        ["Operator", batch.operator],
        ["Business date", batch.business_date],
        ["Ledger", batch.ledger],
        ["Recorded", recorded],
    ]
    for sheet, by in batch.counts.items():
        for decision, n in by.items():
            rows.append([f"{sheet}: {decision}", n])
    label = "after" if batch.recorded else "after (if recorded)"
    for name, b, a in quota_rows(batch.before, batch.after):
        rows.append([f"{name} before", b])
        rows.append([f"{name} {label}", a])
    if batch.skipped:
        rows.append(["Hidden sheets skipped", ", ".join(batch.skipped)])
    return Table("Summary", ["Item", "Value"], rows)


def quota_rows(before: Balance, after: Balance) -> list[tuple[str, int, int]]:
    return [
        ("Quota", before.quota, after.quota),
        ("Issued", before.issued, after.issued),
        ("Remaining", before.remaining, after.remaining),
    ]


@dataclass(frozen=True)
class BatchOutputs:
    """The decision workbook and report of one batch, built and ready to be written."""

    tables: list[Table]
    report: dict[str, Any]

    @property
    def rows(self) -> int:
        """Rows of both files, as `write_decisions` and `write_report` tell them."""
        return sum(len(t.rows) for t in self.tables) + self.report_rows

    @property
    def report_rows(self) -> int:
        return sum(s.refused_total + s.accepted_total for s in self.report["sections"])

    def write_decisions(
        self, path: Path, replace: bool = False, advance: Callable[[int], None] | None = None
    ) -> None:
        write_workbook(path, self.tables, replace, advance)

    def write_report(self, path: Path, replace: bool = False) -> None:
        render_html("batch_report.html.j2", path, replace, **self.report)


def build_batch_outputs(
    batch: BatchFacts, sheets: list[RawSheet], decisions: Sequence[Decided], tables: bool = True
) -> BatchOutputs:
    """The decision workbook's sheets and the report's figures of one batch (without the
    sheets when `tables` is False: the workbook is written elsewhere, see `write_ahead`)."""
    # the decision sheets and the report's sections come from the same decisions, so that
    # both show the same decision for each row
    return BatchOutputs(
        build_tables(batch, sheets, decisions) if tables else [],
        build_report(batch, sheets, decisions),
    )


def build_tables(
    batch: BatchFacts, sheets: list[RawSheet], decisions: Sequence[Decided]
) -> list[Table]:
    """The decision workbook's sheets: one per input sheet, Errors, Summary."""
    tables: list[Table] = []
    errors: list[ErrorRow] = []
    for sheet, in_order in zip(sheets, decisions_in_order(sheets, decisions), strict=True):
        table, sheet_errors = _decision_table(sheet, in_order)
        tables.append(table)
        errors.extend(sheet_errors)
    cell_col = 2  # `Cell` links to the cell on the decision sheet
    tables.append(
        Table(
            "Errors",
            ["Sheet", "Row", "Cell", "Column", "Value", "Problem"],
            [row for row, _ in errors],
            [None, "0", None, None, None, None],
            links={(i, cell_col): target for i, (_, target) in enumerate(errors)},
        )
    )
    tables.append(_summary_table(batch))
    return tables


def build_report(
    batch: BatchFacts, sheets: list[RawSheet], decisions: Sequence[Decided]
) -> dict[str, Any]:
    """The batch report's figures."""
    sections: list[SheetSection] = [
        sheet_section(sheet, in_order)
        for sheet, in_order in zip(sheets, decisions_in_order(sheets, decisions), strict=True)
    ]
    return {
        "title": report_title(batch.kind),
        "kind": batch.kind + (" (dry run)" if batch.not_recorded is NotRecorded.DRY_RUN else ""),
        "file_name": batch.file_name,
        "business_date": batch.business_date.isoformat(),
        "operator": batch.operator,
        "recorded_at": (batch.recorded_at or datetime.now(UTC))
        .astimezone(UTC)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "recorded": batch.recorded,
        "not_recorded_reason": batch.not_recorded_reason,
        "quota_rows": quota_rows(batch.before, batch.after),
        "counts": [(s, d, n) for s, by in batch.counts.items() for d, n in by.items()],
        "sections": sections,
        "anchors": {s.name: s.anchor for s in sections if s.refused_total},
        "list_limit": LIST_LIMIT,
        "refused_word": REFUSED,  # which count links to the refused rows
        "skipped": batch.skipped,
    }
