"""What the HTML report of a batch (ingest or review import) lists, sheet by sheet: the
refusals grouped by their kind (a problem's stable code) with row counts, then the refused
rows and the accepted rows with their Issuance IDs, each list bounded so that a report of
100,000 rows stays readable (the decision workbook holds every row).

Built from the rows and decisions alone (never from the ledger), so a batch rebuilt from
what it kept gives the same report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain.problems import Decided, reason_label

if TYPE_CHECKING:
    from ..workbook.reader import RawSheet

LIST_LIMIT = 1_000  # rows listed per list of a sheet; the rest are in the decision workbook
OTHER_REASON = "other"  # a refusal that carries no problem (none today; never dropped)

KEY_COLUMN = {
    "Customers": "Customer UIN",
    "Templates": "Template Name",
    "Requests": "Request ID",
    "Review": "Issuance ID",
}
TITLES = {"Review import": "Review report"}  # by the batch's label; else "Batch report"


@dataclass(frozen=True)
class ReasonCount:
    code: str  # the stable code (Code value)
    label: str  # the kind of refusal, in words
    rows: int  # refused rows with a problem of this kind


@dataclass(frozen=True)
class ListedRow:
    row: int  # the input's Excel row
    key: object  # the row's key cell (Request ID, Template Name, ...) as read
    decision: str
    issuance_id: str
    reason: str


@dataclass(frozen=True)
class SheetSection:
    title: str  # the sheet as named in the input
    name: str  # the sheet's contract name (Requests, ...), as the counts name it
    anchor: str  # the id the summary links to (the first refused row)
    reasons: list[ReasonCount]
    refused: list[ListedRow]  # at most LIST_LIMIT
    refused_total: int
    accepted: list[ListedRow]  # at most LIST_LIMIT
    accepted_total: int
    has_issuance_ids: bool


def anchor(title: str) -> str:
    """The id of a sheet's first refused row (`refused-requests`): a sheet title may hold
    spaces or any character, an id may not."""
    slug = re.sub(r"[^0-9a-z]+", "-", title.casefold()).strip("-")
    return f"refused-{slug or 'sheet'}"


def report_title(label: str) -> str:
    return TITLES.get(label, "Batch report")


def reason_counts(decisions: Sequence[Decided]) -> list[ReasonCount]:
    """Refused rows by the kind of their problems, most frequent first: a row refused for two
    kinds of reason counts under each, once."""
    rows: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for d in decisions:
        if not d.refused:
            continue
        codes = {p.code.value: reason_label(p.code) for p in d.problems}
        if not codes:
            codes = {OTHER_REASON: "Other"}
        labels.update(codes)
        rows.update(codes.keys())
    return [
        ReasonCount(code, labels[code], n)
        for code, n in sorted(rows.items(), key=lambda item: (-item[1], labels[item[0]]))
    ]


def sheet_section(sheet: RawSheet, in_order: Sequence[Decided]) -> SheetSection:
    """One sheet's part of the report; `in_order` holds the decision of each row."""
    key_pos = sheet.position(KEY_COLUMN.get(sheet.spec.name, ""))
    refused: list[ListedRow] = []
    accepted: list[ListedRow] = []
    refused_rows: list[Decided] = []
    accepted_total = 0
    for raw, d in zip(sheet.rows, in_order, strict=True):
        if d.refused:
            refused_rows.append(d)
            if len(refused) >= LIST_LIMIT:
                continue
        else:
            accepted_total += 1
            if len(accepted) >= LIST_LIMIT:
                continue
        key = raw.values[key_pos] if key_pos is not None else None
        listed = ListedRow(
            raw.row,
            "" if key is None else key,
            d.decision,
            str(getattr(d, "issuance_id", "") or ""),
            d.reason,
        )
        (refused if d.refused else accepted).append(listed)
    return SheetSection(
        title=sheet.title,
        name=sheet.spec.name,
        anchor=anchor(sheet.title),
        reasons=reason_counts(refused_rows),
        refused=refused,
        refused_total=len(refused_rows),
        accepted=accepted,
        accepted_total=accepted_total,
        has_issuance_ids=any(r.issuance_id for r in accepted),
    )
