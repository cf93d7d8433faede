"""`ledger verify`, batch by batch: every batch's recorded counts match the rows it
recorded (issuances, customer and template versions, approvals, rejections), and the rows it
keeps for rebuilding its outputs agree with those counts (R17).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .verify_records import BatchEntry, EventEntry, Finding, FindingCode, IssuanceEntry
from .vocabulary import (
    CustomerDecision,
    RequestDecision,
    ReviewVerdict,
    TemplateDecision,
    count_key,
    flat_counts,
)


def batch_counts(
    batches: Sequence[BatchEntry],
    issuances: Sequence[IssuanceEntry],
    events: Sequence[EventEntry],
) -> list[Finding]:
    new_issuances = Counter(i.batch_id for i in issuances)
    decided = Counter((e.batch_id, e.status) for e in events)
    findings = []
    for b in batches:

        def n(sheet: str, decision: str, b: BatchEntry = b) -> int:
            return b.counts.get(count_key(sheet, decision), 0)

        expected = {
            "issuances": (n("Requests", RequestDecision.PENDING_APPROVAL), new_issuances[b.id]),
            "customer versions": (
                n("Customers", CustomerDecision.ADDED) + n("Customers", CustomerDecision.UPDATED),
                b.customer_versions,
            ),
            "template versions": (
                n("Templates", TemplateDecision.CREATED) + n("Templates", TemplateDecision.UPDATED),
                b.template_versions,
            ),
            "approvals": (n("Review", ReviewVerdict.APPROVED), decided[(b.id, "approved")]),
            "rejections": (n("Review", ReviewVerdict.REJECTED), decided[(b.id, "rejected")]),
        }
        for what, (reported, recorded) in expected.items():
            if reported != recorded:
                findings.append(
                    Finding(
                        FindingCode.BATCH_COUNTS,
                        f"batch {b.id} ({b.kind}) reports {reported} {what} but recorded "
                        f"{recorded}",
                    )
                )
        findings.extend(_kept_rows(b))
    return findings


def _kept_rows(b: BatchEntry) -> list[Finding]:
    """The rows a batch keeps agree with its counts (R17)."""
    if b.kept_rows is None:
        if b.rows_expected:
            return [
                Finding(
                    FindingCode.NO_KEPT_ROWS,
                    f"batch {b.id} ({b.kind}) keeps no rows, though it was recorded after the "
                    "ledger began keeping each batch's rows; its outputs cannot be rebuilt (R17)",
                )
            ]
        return []
    findings = []
    for key in sorted(set(b.counts) | set(b.kept_rows)):
        reported, kept = b.counts.get(key, 0), b.kept_rows.get(key, 0)
        if reported != kept:
            findings.append(
                Finding(
                    FindingCode.KEPT_ROWS,
                    f"batch {b.id} ({b.kind}) reports {reported} '{key}' row(s) but keeps "
                    f"{kept} (R17)",
                )
            )
    shown = flat_counts(b.kept_counts or {})
    if shown != b.counts:
        findings.append(
            Finding(
                FindingCode.KEPT_COUNTS,
                f"batch {b.id} ({b.kind}): the counts its kept outputs show differ from the "
                "counts it recorded (R17)",
            )
        )
    return findings
