"""The product's words, once: the decisions each sheet's rows can get, the kinds of quota
change, and why a batch was not recorded.

Every value is the word the contract shows (decision workbooks, reports, JSON, the counts a
batch stores as "Sheet: Decision"), so code decides by these members, never by comparing
text, and the outputs stay word for word what they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

REFUSED = "Refused"  # every sheet's refusal, the same word


class CustomerDecision(StrEnum):
    ADDED = "Added"
    UPDATED = "Updated"
    UNCHANGED = "Unchanged"
    REFUSED = REFUSED


class TemplateDecision(StrEnum):
    CREATED = "Created"
    UPDATED = "Updated"
    UNCHANGED = "Unchanged"
    REFUSED = REFUSED


class RequestDecision(StrEnum):
    PENDING_APPROVAL = "Pending approval"
    ALREADY_SUBMITTED = "Already submitted"
    REFUSED = REFUSED


class ReviewVerdict(StrEnum):
    APPROVED = "Approved"
    REJECTED = "Rejected"
    NOT_REVIEWED = "Not reviewed"
    UNCHANGED = "Unchanged"
    REFUSED = REFUSED


class ReviewAction(StrEnum):
    """What a reviewer writes in the Decision column; `pass` is the partner API's word."""

    APPROVE = "approve"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def spellings(self) -> tuple[str, ...]:
        return ("pass",) if self is ReviewAction.APPROVE else ()


class QuotaChangeKind(StrEnum):
    """The two kinds of quota entry (R1)."""

    GRANT = "grant"
    RECLAIM = "reclaim"


def quota_delta(kind: str, amount: int) -> int:
    """A quota entry's effect on the quota: a grant adds, anything else takes away."""
    return amount if kind == QuotaChangeKind.GRANT else -amount


class NotRecorded(StrEnum):
    """Why a batch that was decided was not recorded."""

    DRY_RUN = "dry run"
    ALL_OR_NOTHING = "all-or-nothing"

    def text(self, refused: int = 0) -> str:
        """The sentence outputs show for it."""
        if self is NotRecorded.ALL_OR_NOTHING:
            return f"{self.value}: {refused} row(s) refused"
        return self.value


# The decisions of each sheet, in the order counts show them.
DECISIONS: Mapping[str, tuple[str, ...]] = {
    "Customers": tuple(d.value for d in CustomerDecision),
    "Templates": tuple(d.value for d in TemplateDecision),
    "Requests": tuple(d.value for d in RequestDecision),
    "Review": tuple(d.value for d in ReviewVerdict),
}

_KEY_SEPARATOR = ": "


def count_key(sheet: str, decision: str) -> str:
    """The key a batch's stored counts use for one sheet's decision: "Requests: Refused"."""
    return f"{sheet}{_KEY_SEPARATOR}{decision}"


def parse_count_key(key: str) -> tuple[str, str]:
    """(sheet, decision) of a stored count key: "Requests: Refused" -> ("Requests", "Refused")."""
    sheet, _, decision = key.partition(_KEY_SEPARATOR)
    return sheet, decision


def flat_counts(counts: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """{sheet: {decision: n}} as the flat {"Sheet: Decision": n} a batch stores."""
    return {count_key(sheet, d): n for sheet, by in counts.items() for d, n in by.items()}
