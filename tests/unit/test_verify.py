"""`ledger verify` as a pure function: each invariant, broken once, is found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voucher_batch.domain.verify import verify
from voucher_batch.domain.verify_records import (
    BatchEntry,
    EventEntry,
    IssuanceEntry,
    QuotaEntry,
    TemplateVersionEntry,
)

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def sound_ledger() -> dict[str, list[object]]:
    return {
        "quota": [QuotaEntry(1, "grant", 2000, at(0))],
        "issuances": [
            IssuanceEntry(1, "ISS-000001", 1000, 1000, "starter", 1, at(1)),
            IssuanceEntry(2, "ISS-000002", 1000, 1000, "starter", 1, at(1)),
        ],
        "events": [
            EventEntry(1, 1, "pending", 1, at(1), False, False),
            EventEntry(2, 2, "pending", 1, at(1), False, False),
            EventEntry(3, 1, "approved", 2, at(2), True, False),
            EventEntry(4, 2, "rejected", 2, at(2), False, True),
        ],
        "templates": [TemplateVersionEntry(1, "starter", at(1))],
        "batches": [
            BatchEntry(
                1, "ingest", {"Requests: Pending approval": 2, "Templates: Created": 1}, 0, 1
            ),
            BatchEntry(2, "review", {"Review: Approved": 1, "Review: Rejected": 1}, 0, 0),
        ],
    }


def test_sound_ledger_has_no_findings_and_recomputes_the_balance() -> None:
    report = verify(**sound_ledger())  # type: ignore[arg-type]
    assert report.findings == []
    assert report.balance.as_dict() == {
        "quota": 2000,
        "pending": 0,
        "approved": 1000,
        "rejected": 1000,
        "issued": 1000,
        "remaining": 1000,
    }


def test_quota_overspent_at_some_point_is_found_even_if_later_repaired() -> None:
    ledger = sound_ledger()
    ledger["quota"] = [QuotaEntry(1, "grant", 1500, at(0)), QuotaEntry(2, "grant", 500, at(5))]
    report = verify(**ledger)  # type: ignore[arg-type]
    assert any("exceeded the quota" in f and "R2" in f for f in report.findings)


def test_issuance_decided_twice_is_found() -> None:
    ledger = sound_ledger()
    ledger["events"].append(EventEntry(5, 1, "rejected", 2, at(3), False, True))
    assert any("decided 2 times" in f for f in verify(**ledger).findings)  # type: ignore[arg-type]


def test_batch_counts_that_do_not_match_are_found() -> None:
    ledger = sound_ledger()
    ledger["batches"][0] = BatchEntry(1, "ingest", {"Requests: Pending approval": 3}, 0, 1)
    findings = verify(**ledger).findings  # type: ignore[arg-type]
    assert any("reports 3 issuances but recorded 2" in f for f in findings)
    assert any("reports 0 template versions but recorded 1" in f for f in findings)


def test_amount_and_template_lock_and_review_fields() -> None:
    ledger = sound_ledger()
    ledger["issuances"][1] = IssuanceEntry(2, "ISS-000002", 900, 1000, "starter", 1, at(1))
    ledger["templates"].append(TemplateVersionEntry(2, "starter", at(4)))
    ledger["events"][2] = EventEntry(3, 1, "approved", 2, at(2), False, False)
    ledger["events"][3] = EventEntry(4, 2, "rejected", 2, at(2), False, False)
    findings = verify(**ledger).findings  # type: ignore[arg-type]
    assert any("differs from its template" in f for f in findings)
    assert any("(R6)" in f for f in findings)
    assert any("approved without a validity" in f for f in findings)
    assert any("rejected without a comment" in f for f in findings)


def test_issuance_without_pending_start_is_found() -> None:
    ledger = sound_ledger()
    ledger["events"] = [e for e in ledger["events"] if e.id != 2]  # type: ignore[attr-defined]
    assert any("does not start as pending" in f for f in verify(**ledger).findings)  # type: ignore[arg-type]


def _kept(counts: dict[str, int], kept: dict[str, int] | None, expected: bool) -> BatchEntry:
    shown: dict[str, dict[str, int]] = {}
    for key, n in counts.items():
        sheet, _, decision = key.partition(": ")
        shown.setdefault(sheet, {})[decision] = n
    return BatchEntry(
        3, "ingest", counts, 0, 0, kept, shown if kept is not None else None, expected
    )


def test_kept_rows_that_agree_with_the_counts_are_sound() -> None:
    ledger = sound_ledger()
    counts = {"Requests: Pending approval": 0, "Requests: Refused": 2}
    ledger["batches"].append(_kept(counts, {"Requests: Refused": 2}, True))
    assert verify(**ledger).findings == []  # type: ignore[arg-type]


def test_kept_rows_that_differ_from_the_counts_are_found() -> None:
    ledger = sound_ledger()
    counts = {"Requests: Pending approval": 0, "Requests: Refused": 2}
    kept = {"Requests: Refused": 1, "Requests: Already submitted": 1}
    ledger["batches"].append(_kept(counts, kept, True))
    findings = verify(**ledger).findings  # type: ignore[arg-type]
    assert any("reports 2 'Requests: Refused' row(s) but keeps 1 (R17)" in f for f in findings)
    assert any("reports 0 'Requests: Already submitted'" in f and "R17" in f for f in findings)


def test_a_batch_that_should_keep_rows_but_keeps_none_is_found() -> None:
    ledger = sound_ledger()
    ledger["batches"].append(_kept({"Requests: Refused": 1}, None, True))
    findings = verify(**ledger).findings  # type: ignore[arg-type]
    assert any("batch 3 (ingest) keeps no rows" in f and "R17" in f for f in findings)
    # a batch recorded before the ledger kept rows is not a finding
    ledger["batches"][-1] = _kept({"Requests: Refused": 1}, None, False)
    assert verify(**ledger).findings == []  # type: ignore[arg-type]


def test_kept_facts_that_show_other_counts_are_found() -> None:
    ledger = sound_ledger()
    entry = _kept({"Requests: Refused": 1}, {"Requests: Refused": 1}, True)
    ledger["batches"].append(
        BatchEntry(3, "ingest", entry.counts, 0, 0, entry.kept_rows, {"Requests": {"Refused": 2}})
    )
    findings = verify(**ledger).findings  # type: ignore[arg-type]
    assert any("counts its kept outputs show differ" in f for f in findings)
