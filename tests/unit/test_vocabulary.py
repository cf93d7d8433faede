"""One vocabulary: the contract's words as enums, count keys built and parsed in one place,
and `ledger verify` findings as coded sentences."""

from __future__ import annotations

import json

from tests.unit.test_verify import BatchEntry, EventEntry, IssuanceEntry, at, sound_ledger
from voucher_batch.domain.verify import verify
from voucher_batch.domain.verify_records import Finding, FindingCode
from voucher_batch.domain.vocabulary import (
    DECISIONS,
    NotRecorded,
    QuotaChangeKind,
    count_key,
    flat_counts,
    parse_count_key,
    quota_delta,
)


def test_decisions_are_the_contract_words_in_count_order() -> None:
    assert DECISIONS == {
        "Customers": ("Added", "Updated", "Unchanged", "Refused"),
        "Templates": ("Created", "Updated", "Unchanged", "Refused"),
        "Requests": ("Pending approval", "Already submitted", "Refused"),
        "Review": ("Approved", "Rejected", "Not reviewed", "Unchanged", "Refused"),
    }
    # plain strings, so stored counts and JSON keep the words byte for byte
    assert all(type(d) is str for words in DECISIONS.values() for d in words)


def test_count_keys_round_trip() -> None:
    for sheet, words in DECISIONS.items():
        for word in words:
            key = count_key(sheet, word)
            assert key == f"{sheet}: {word}"
            assert parse_count_key(key) == (sheet, word)
    counts = {"Requests": {"Pending approval": 2, "Refused": 1}, "Review": {"Approved": 0}}
    assert flat_counts(counts) == {
        "Requests: Pending approval": 2,
        "Requests: Refused": 1,
        "Review: Approved": 0,
    }


def test_quota_kinds_and_not_recorded_reasons() -> None:
    assert [k.value for k in QuotaChangeKind] == ["grant", "reclaim"]
    assert (quota_delta("grant", 5), quota_delta("reclaim", 5)) == (5, -5)
    assert NotRecorded.DRY_RUN.text(3) == "dry run"
    assert NotRecorded.ALL_OR_NOTHING.text(3) == "all-or-nothing: 3 row(s) refused"


def test_every_finding_carries_a_code_and_keeps_its_sentence() -> None:
    ledger = sound_ledger()
    ledger["events"].append(EventEntry(5, 1, "rejected", 2, at(3), False, True))
    ledger["events"].append(EventEntry(6, 99, "pending", 2, at(3), False, False))
    ledger["issuances"][1] = IssuanceEntry(2, "ISS-000002", 900, 1000, "starter", 1, at(1))
    ledger["batches"][0] = BatchEntry(1, "ingest", {"Requests: Pending approval": 3}, 0, 1)
    findings = verify(**ledger).findings  # type: ignore[arg-type]
    assert all(isinstance(f, Finding) and isinstance(f.code, FindingCode) for f in findings)
    codes = {f.code for f in findings}
    assert {
        FindingCode.UNKNOWN_ISSUANCE,
        FindingCode.DECIDED_TWICE,
        FindingCode.AMOUNT_DIFFERS,
        FindingCode.BATCH_COUNTS,
    } <= codes
    twice = next(f for f in findings if f.code is FindingCode.DECIDED_TWICE)
    sentence = "ISS-000001 was decided 2 times: ['approved', 'rejected']"
    assert twice == sentence and str(twice) == sentence and twice.message == sentence
    assert f"finding: {twice}" == f"finding: {sentence}"
    assert json.loads(json.dumps(findings)) == [str(f) for f in findings]
