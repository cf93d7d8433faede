"""`ledger verify`: recompute everything from the entries and check the invariants.

Pure: it receives the ledger's entries as plain records and returns findings: sentences
that each carry a stable `FindingCode`, so scripts can rely on the code while the wording
may improve.
Checks: R2 at every commit, replayed in the ledger's own commit order (its sequence, never a
client's clock), and R2 on every business date (R14: the remaining quota never below zero on
any day), every issuance's status history (starts pending, decided at most once, nothing
after a decision; approvals carry a validity, rejections a comment), every issuance's
amount equals its template version's amount, no template version after the template was
used (R6), every batch's recorded counts match the rows it recorded, and every batch
recorded since the ledger keeps per-row decisions keeps one row per counted row (R17;
these two in verify_batches.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from .quota import Balance, negative_days
from .verify_batches import batch_counts
from .verify_records import (
    BatchEntry,
    EventEntry,
    Finding,
    FindingCode,
    IssuanceEntry,
    QuotaEntry,
    Report,
    TemplateVersionEntry,
)
from .vocabulary import quota_delta


def verify(
    quota: Sequence[QuotaEntry],
    issuances: Sequence[IssuanceEntry],
    events: Sequence[EventEntry],
    templates: Sequence[TemplateVersionEntry],
    batches: Sequence[BatchEntry],
) -> Report:
    by_pk = {i.id: i for i in issuances}
    findings, history = _histories(events, by_pk)
    for i in issuances:
        findings.extend(_issuance_history(i, history.get(i.id, [])))
    findings.extend(_templates_after_use(issuances, templates))
    findings.extend(_replay(quota, events, by_pk, batches))
    findings.extend(_by_business_date(quota, issuances, events, by_pk))
    findings.extend(batch_counts(batches, issuances, events))
    balance = _final_balance(quota, issuances, history)
    entries = len(quota) + len(issuances) + len(events) + len(templates) + len(batches)
    return Report(balance, entries, findings)


def _histories(
    events: Sequence[EventEntry], by_pk: dict[int, IssuanceEntry]
) -> tuple[list[Finding], dict[int, list[EventEntry]]]:
    """Each issuance's status events in entry order, and the events of no issuance."""
    findings: list[Finding] = []
    history: dict[int, list[EventEntry]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e.id):
        if e.issuance not in by_pk:
            findings.append(
                Finding(
                    FindingCode.UNKNOWN_ISSUANCE,
                    f"event {e.id} refers to an unknown issuance {e.issuance}",
                )
            )
            continue
        history[e.issuance].append(e)
    return findings, history


# long on purpose: one issuance's history read once, each rule a short branch that names it
def _issuance_history(i: IssuanceEntry, events: Sequence[EventEntry]) -> list[Finding]:
    """R10, R11: starts pending, decided at most once, a decision with what it needs; and
    the amount is its template version's."""
    findings: list[Finding] = []
    statuses = [e.status for e in events]
    if not statuses or statuses[0] != "pending":
        findings.append(
            Finding(
                FindingCode.NOT_STARTED_PENDING,
                f"{i.issuance_id} does not start as pending ({statuses or 'none'})",
            )
        )
    decisions = [s for s in statuses[1:]]
    if len(decisions) > 1:
        findings.append(
            Finding(
                FindingCode.DECIDED_TWICE,
                f"{i.issuance_id} was decided {len(decisions)} times: {decisions}",
            )
        )
    if any(s not in ("approved", "rejected") for s in decisions):
        findings.append(
            Finding(
                FindingCode.UNEXPECTED_STATUS,
                f"{i.issuance_id} has an unexpected status history {statuses}",
            )
        )
    for e in events[1:]:
        if e.status == "approved" and not e.has_validity:
            findings.append(
                Finding(
                    FindingCode.APPROVED_WITHOUT_VALIDITY,
                    f"{i.issuance_id} was approved without a validity (R11)",
                )
            )
        if e.status == "rejected" and not e.has_comment:
            findings.append(
                Finding(
                    FindingCode.REJECTED_WITHOUT_COMMENT,
                    f"{i.issuance_id} was rejected without a comment (R10)",
                )
            )
    if i.amount != i.template_amount:
        findings.append(
            Finding(
                FindingCode.AMOUNT_DIFFERS,
                f"{i.issuance_id} amount {i.amount:,} differs from its template's "
                f"{i.template_amount:,}",
            )
        )
    return findings


def _templates_after_use(
    issuances: Sequence[IssuanceEntry], templates: Sequence[TemplateVersionEntry]
) -> list[Finding]:
    """R6: no template version recorded after vouchers were issued from the template."""
    findings: list[Finding] = []
    first_use: dict[str, datetime] = {}
    for i in issuances:
        if i.template_key not in first_use or i.recorded_at < first_use[i.template_key]:
            first_use[i.template_key] = i.recorded_at
    for v in templates:
        used = first_use.get(v.key)
        if used is not None and v.recorded_at > used:
            findings.append(
                Finding(
                    FindingCode.TEMPLATE_CHANGED_AFTER_USE,
                    f"template '{v.key}' got a new version (entry {v.id}) after vouchers were "
                    "issued from it (R6)",
                )
            )
    return findings


def _replay(
    quota: Sequence[QuotaEntry],
    events: Sequence[EventEntry],
    by_pk: dict[int, IssuanceEntry],
    batches: Sequence[BatchEntry] = (),
) -> list[Finding]:
    """Apply the entries in the order the ledger committed them (its sequence; the time an
    entry was recorded only breaks ties for entries made before the sequence existed) and
    check R2 after each commit."""
    batch_seq = {b.id: b.seq for b in batches}
    # (commit key, quota delta, issued delta); a commit key names one transaction
    changes: list[tuple[tuple[int, datetime, str, int], int, int]] = []
    for q in quota:
        key = (q.seq or 0, q.recorded_at, "quota", q.id)
        changes.append((key, quota_delta(q.kind, q.amount), 0))
    for e in events:
        issuance = by_pk.get(e.issuance)
        if issuance is None:
            continue
        key = (batch_seq.get(e.batch_id) or 0, e.recorded_at, "batch", e.batch_id)
        if e.status == "pending":
            changes.append((key, 0, issuance.amount))
        elif e.status == "rejected":
            changes.append((key, 0, -issuance.amount))
    changes.sort(key=lambda c: c[0])
    findings = []
    quota_now = issued_now = 0
    for n, (key, dq, di) in enumerate(changes):
        quota_now += dq
        issued_now += di
        last_of_commit = n + 1 == len(changes) or changes[n + 1][0] != key
        if last_of_commit and (issued_now > quota_now or quota_now < 0):
            findings.append(
                Finding(
                    FindingCode.QUOTA_EXCEEDED,
                    f"after commit {key[0] or key[1].isoformat()} issued {issued_now:,} "
                    f"exceeded the quota {quota_now:,} (R2)",
                )
            )
    return findings


def _by_business_date(
    quota: Sequence[QuotaEntry],
    issuances: Sequence[IssuanceEntry],
    events: Sequence[EventEntry],
    by_pk: dict[int, IssuanceEntry],
) -> list[Finding]:
    """R2 on every business date (R14): the remaining quota is never below zero on any day."""
    deltas: list[tuple[date, int]] = []
    for q in quota:
        if q.business_date is not None:
            deltas.append((q.business_date, quota_delta(q.kind, q.amount)))
    for i in issuances:
        if i.requested_on is not None:
            deltas.append((i.requested_on, -i.amount))
    for e in events:
        issuance = by_pk.get(e.issuance)
        if e.status == "rejected" and e.decided_on is not None and issuance is not None:
            deltas.append((e.decided_on, issuance.amount))
    return [
        Finding(
            FindingCode.NEGATIVE_DAY,
            f"on {day.isoformat()} the remaining quota is {remaining:,}, below zero (R2, R14)",
        )
        for day, remaining in negative_days(deltas)
    ]


def _final_balance(
    quota: Sequence[QuotaEntry],
    issuances: Sequence[IssuanceEntry],
    history: dict[int, list[EventEntry]],
) -> Balance:
    total = sum(quota_delta(q.kind, q.amount) for q in quota)
    by_status: Counter[str] = Counter()
    for i in issuances:
        events = history.get(i.id)
        if events:
            by_status[events[-1].status] += i.amount
    return Balance(total, by_status["pending"], by_status["approved"], by_status["rejected"])
