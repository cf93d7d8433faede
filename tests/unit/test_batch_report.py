"""What the batch report lists: refusals by kind, counted per row, and safe anchors."""

from __future__ import annotations

from voucher_batch.domain.problems import REASON_LABELS, Code, Decided, Problem
from voucher_batch.services.batch_report import OTHER_REASON, anchor, reason_counts


def _row(row: int, decision: str, *codes: Code) -> Decided:
    problems = [Problem("Requests", row, "Amount", None, c, f"{c} in row {row}") for c in codes]
    return Decided("Requests", row, decision, problems)


def test_a_row_counts_once_under_each_kind_of_its_refusal() -> None:
    rows = [
        _row(2, "Refused", Code.QUOTA_EXCEEDED),
        _row(3, "Refused", Code.NOT_WHOLE_NUMBER, Code.UNKNOWN_TEMPLATE),
        _row(4, "Refused", Code.NOT_WHOLE_NUMBER, Code.NOT_WHOLE_NUMBER),
        _row(5, "Pending approval"),
        _row(6, "Refused"),  # refused without a problem: counted, never dropped
    ]
    counted = {r.code: r.rows for r in reason_counts(rows)}
    assert counted == {
        "not_whole_number": 2,
        "quota_exceeded": 1,
        "unknown_template": 1,
        OTHER_REASON: 1,
    }
    assert reason_counts(rows)[0].code == "not_whole_number"  # most frequent first


def test_every_code_has_a_label_without_row_values() -> None:
    assert set(REASON_LABELS) == set(Code)
    assert all("{" not in label and label for label in REASON_LABELS.values())


def test_anchors_are_ids_whatever_the_sheet_title() -> None:
    assert anchor("Requests") == "refused-requests"
    assert anchor(" requests ") == "refused-requests"
    assert anchor('"><b>') == "refused-b"
    assert anchor("  ") == "refused-sheet"
