"""What `ledger verify` reads and returns: the ledger's entries as plain rows (keys, batches,
time stamps and commit order: the bookkeeping the replay needs, not the domain's entities)
and its findings, each a sentence with a stable `FindingCode`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from .quota import Balance


class FindingCode(StrEnum):
    """Stable finding codes. Values never change once released; new ones may be added."""

    UNKNOWN_ISSUANCE = "unknown_issuance"
    NOT_STARTED_PENDING = "not_started_pending"
    DECIDED_TWICE = "decided_twice"
    UNEXPECTED_STATUS = "unexpected_status"
    APPROVED_WITHOUT_VALIDITY = "approved_without_validity"
    REJECTED_WITHOUT_COMMENT = "rejected_without_comment"
    AMOUNT_DIFFERS = "amount_differs"
    TEMPLATE_CHANGED_AFTER_USE = "template_changed_after_use"
    QUOTA_EXCEEDED = "quota_exceeded"
    NEGATIVE_DAY = "negative_day"
    BATCH_COUNTS = "batch_counts"
    NO_KEPT_ROWS = "no_kept_rows"
    KEPT_ROWS = "kept_rows"
    KEPT_COUNTS = "kept_counts"
    BALANCE_DIFFERS = "balance_differs"


class Finding(str):
    """One finding: its sentence (what `str()`, JSON and the console show) with its code."""

    code: FindingCode

    def __new__(cls, code: FindingCode, message: str) -> Finding:
        finding = super().__new__(cls, message)
        finding.code = code
        return finding

    @property
    def message(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True)
class QuotaEntry:
    id: int
    kind: str
    amount: int
    recorded_at: datetime
    seq: int | None = None  # the ledger's commit order
    business_date: date | None = None


class IssuanceEntry(NamedTuple):
    """An issuance as a ledger row (its key, batch and time stamp beside its template's
    amount): the bookkeeping `verify` replays, which the `Issuance` entity does not carry.
    A named tuple, like `EventEntry`: verify reads one per issuance of the ledger."""

    id: int
    issuance_id: str
    amount: int
    template_amount: int
    template_key: str
    batch_id: int
    recorded_at: datetime
    requested_on: date | None = None


class EventEntry(NamedTuple):
    id: int
    issuance: int
    status: str
    batch_id: int
    recorded_at: datetime
    has_validity: bool
    has_comment: bool
    decided_on: date | None = None


@dataclass(frozen=True)
class TemplateVersionEntry:
    id: int
    key: str
    recorded_at: datetime


@dataclass(frozen=True)
class BatchEntry:
    id: int
    kind: str
    counts: dict[str, int]
    customer_versions: int
    template_versions: int
    # R17: {"Sheet: Decision": rows kept} (None: the batch kept no rows), the counts its kept
    # facts show, and whether it was recorded after the ledger began keeping rows
    kept_rows: dict[str, int] | None = None
    kept_counts: dict[str, dict[str, int]] | None = None
    rows_expected: bool = False
    seq: int | None = None  # the ledger's commit order


@dataclass
class Report:
    balance: Balance
    entries: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.findings
