"""Reads for checking and reporting: `ledger verify`, the monthly report and reviews.

A mixin of `UnitOfWork`: these queries read the whole history or a slice of it, and are
kept apart from the reads and appends that every batch makes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from ..domain.issuance import Issuance
from ..domain.model import IssuanceStatus, PaymentMode, Template, Usage
from ..domain.report import IssuanceFact, QuotaMove
from ..domain.verify_records import (
    BatchEntry,
    EventEntry,
    IssuanceEntry,
    QuotaEntry,
    TemplateVersionEntry,
)
from . import schema as t
from .common import chunks, current_issuances, template_from_row
from .kept import KeptBatch, kept_after, kept_counts, kept_facts_counts, read_kept

if TYPE_CHECKING:
    from ..domain.model import Customer


class HistoryReads:
    conn: Connection

    def customers(self) -> dict[str, Customer]:  # provided by UnitOfWork
        raise NotImplementedError

    def _count_by_batch(self, table: Any) -> dict[int, int]:
        rows = self.conn.execute(select(table.c.batch_id, func.count()).group_by(table.c.batch_id))
        return {int(batch): int(n) for batch, n in rows.all()}

    def entries_for_verify(self) -> dict[str, list[Any]]:
        """Every entry, as the plain records `domain.verify` checks."""
        tv = t.template_versions
        quota = [
            QuotaEntry(r.id, r.kind, r.amount, r.recorded_at, r.seq, r.business_date)
            for r in self.conn.execute(select(t.quota_entries)).all()
        ]
        templates = [
            TemplateVersionEntry(r.id, r.key, r.recorded_at)
            for r in self.conn.execute(select(tv.c.id, tv.c.key, tv.c.recorded_at)).all()
        ]
        return {
            "quota": quota,
            "issuances": self._issuance_entries(),
            "events": self._event_entries(),
            "templates": templates,
            "batches": self._batch_entries(),
        }

    def _issuance_entries(self) -> list[IssuanceEntry]:
        i, tv = t.issuances, t.template_versions
        query = select(
            i.c.id,
            i.c.issuance_id,
            i.c.amount,
            tv.c.amount.label("template_amount"),
            i.c.template_key,
            i.c.batch_id,
            i.c.recorded_at,
            i.c.requested_on,
        ).join(tv, tv.c.id == i.c.template_version_id)
        # one per issuance: plain tuples, in the order of IssuanceEntry's fields
        return [IssuanceEntry(*r) for r in self.conn.execute(query)]

    def _event_entries(self) -> list[EventEntry]:
        e = t.issuance_events
        query = select(
            e.c.id,
            e.c.issuance,
            e.c.status,
            e.c.batch_id,
            e.c.recorded_at,
            e.c.valid_from,
            e.c.valid_until,
            e.c.comment,
            e.c.decided_on,
        )
        return [
            EventEntry(
                pk,
                issuance,
                status,
                batch_id,
                recorded_at,
                valid_from is not None and valid_until is not None,
                bool(comment),
                decided_on,
            )
            for (
                pk,
                issuance,
                status,
                batch_id,
                recorded_at,
                valid_from,
                valid_until,
                comment,
                decided_on,
            ) in self.conn.execute(query)
        ]

    def _batch_entries(self) -> list[BatchEntry]:
        c = self.conn
        cv_counts = self._count_by_batch(t.customer_versions)
        tv_counts = self._count_by_batch(t.template_versions)
        kept_rows, kept_shown = kept_counts(c), kept_facts_counts(c)
        rows_after = kept_after(c)
        return [
            BatchEntry(
                r.id,
                r.kind,
                json.loads(r.counts),
                cv_counts.get(r.id, 0),
                tv_counts.get(r.id, 0),
                seq=r.seq,
                kept_rows=kept_rows.get(r.id),
                kept_counts=kept_shown.get(r.id),
                rows_expected=rows_after is not None and r.id > rows_after,
            )
            for r in c.execute(select(t.batches)).all()
        ]

    def issuances_under_review(self, ids: Iterable[str] | None = None) -> dict[str, Issuance]:
        """The named issuances (all pending ones when `ids` is None) with their template
        and current status (R10)."""
        i, e, tv = t.issuances, t.issuance_events, t.template_versions
        query = current_issuances(
            i, e.c.status, e.c.decided_on, *[c.label(f"t_{c.name}") for c in tv.c]
        ).order_by(i.c.id)
        if ids is None:
            queries: Iterable[Any] = [query.where(e.c.status == IssuanceStatus.PENDING.value)]
        else:
            queries = (query.where(i.c.issuance_id.in_(c)) for c in chunks(sorted(set(ids))))
        found: dict[str, Issuance] = {}
        templates: dict[int, Template] = {}  # by version: few versions, many issuances
        for chunk_query in queries:
            for r in self.conn.execute(chunk_query).mappings():
                template = templates.get(r["t_id"])
                if template is None:
                    template = template_from_row({c.name: r[f"t_{c.name}"] for c in tv.c})
                    templates[r["t_id"]] = template
                found[r["issuance_id"]] = Issuance(
                    issuance_id=r["issuance_id"],
                    amount=r["amount"],
                    template=template,
                    requested_by=r["requested_by"],
                    operator=r["operator"],
                    requested_on=r["requested_on"],
                    status=IssuanceStatus(r["status"]),
                    decided_on=r["decided_on"],
                    request_id=r["request_id"],
                    customer_uin=r["customer_uin"],
                    estimated_revenue=r["estimated_revenue"],
                    estimated_conversion_date=r["estimated_conversion_date"],
                    reason=r["reason"],
                )
        return found

    # long on purpose: one query, each row unpacked by name into its fact, once per issuance
    def report_facts(self) -> tuple[list[QuotaMove], list[IssuanceFact]]:
        """Quota moves and issuances with their final status, for the monthly report."""
        q = t.quota_entries
        moves = [
            QuotaMove(r.business_date, r.kind, r.amount)
            for r in self.conn.execute(select(q.c.business_date, q.c.kind, q.c.amount))
        ]
        names = {uin: c.name for uin, c in self.customers().items()}
        i, e, tv = t.issuances, t.issuance_events, t.template_versions
        rows = self.conn.execute(
            current_issuances(
                i.c.issuance_id,
                tv.c.name,
                tv.c.usage,
                tv.c.payment_mode,
                i.c.customer_uin,
                i.c.amount,
                i.c.estimated_revenue,
                i.c.requested_on,
                e.c.status,
                e.c.decided_on,
                e.c.valid_until,
            )
        )
        # one per issuance of the ledger: the labels are looked up once per code
        usages = {u.value: u.label for u in Usage}
        modes = {m.value: m.label for m in PaymentMode}
        facts = [
            IssuanceFact(
                issuance_id,
                name,
                usages[usage],
                modes[mode],
                uin,
                names.get(uin, ""),
                amount,
                revenue,
                requested_on,
                status,
                decided_on,
                valid_until,
            )
            for (
                issuance_id,
                name,
                usage,
                mode,
                uin,
                amount,
                revenue,
                requested_on,
                status,
                decided_on,
                valid_until,
            ) in rows
        ]
        return moves, facts

    # ---- recorded batches and what each kept (R17) -----------------------------------------
    def batch_rows(self) -> list[Any]:
        """Every recorded batch row, oldest first."""
        return list(self.conn.execute(select(t.batches).order_by(t.batches.c.id)).all())

    def batch_row(self, batch_id: int) -> Any | None:
        """The row of batch `batch_id`, or None."""
        return self.conn.execute(select(t.batches).where(t.batches.c.id == batch_id)).one_or_none()

    def last_batch_id(self) -> int | None:
        last = self.conn.execute(select(t.batches.c.id).order_by(t.batches.c.id.desc())).first()
        return int(last[0]) if last else None

    def kept_shown_counts(self) -> dict[int, dict[str, dict[str, int]]]:
        """batch id -> the counts its kept facts show, in the order the outputs show them."""
        return kept_facts_counts(self.conn)

    def kept_batch(self, batch_id: int) -> KeptBatch | None:
        """What the batch kept, or None when it kept nothing."""
        return read_kept(self.conn, batch_id)

    def kept_since(self) -> int | None:
        """The last batch id recorded before batches kept their rows (None: not known)."""
        return kept_after(self.conn)
