"""The unit of work: reads the ledger's current state and appends a batch's entries.

`Ledger.unit_of_work()` (connection.py) hands one out inside a transaction that rolls back
unless `commit()` is called. Current state is always derived from the append-only entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import (
    Connection,
    and_,
    case,
    func,
    select,
)

from ..domain.engine import BatchOutcome
from ..domain.identity import identity_key
from ..domain.model import (
    Customer,
    CustomerStatus,
    ExistingRequest,
    IssuanceStatus,
    RequestContent,
    Template,
    TemplateState,
)
from ..domain.quota import Balance, Totals
from ..domain.review import NewDecision
from ..domain.vocabulary import QuotaChangeKind
from . import schema as t
from .common import chunks, current_issuances, latest_event_ids, template_from_row
from .kept import KeptBatch, insert_kept
from .listings import ListingReads, VoucherRecord
from .reads import HistoryReads


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BatchInfo:
    kind: str
    file_name: str
    file_sha256: str
    operator: str
    business_date: date
    counts: dict[str, int]
    kept: KeptBatch | None = None  # what the batch decided, kept with it (R17)


@dataclass(frozen=True)
class QuotaChange:
    kind: str
    amount: int
    ref: str
    business_date: date


class UnitOfWork(HistoryReads, ListingReads):
    """Reads the ledger's current state and appends a batch's entries."""

    def __init__(self, conn: Connection, is_sqlite: bool) -> None:
        self.conn = conn
        self.is_sqlite = is_sqlite
        self.committed = False
        self.recorded_at: datetime | None = None  # the time stamp of the batch recorded last
        self.on_commit: list[Callable[[], None]] = []  # run once the database has committed

    def commit(self) -> None:
        self.committed = True

    # ---- reads -------------------------------------------------------------------------
    def balance(self) -> Balance:
        grants = self.conn.execute(
            select(
                t.quota_entries.c.kind, func.coalesce(func.sum(t.quota_entries.c.amount), 0)
            ).group_by(t.quota_entries.c.kind)
        ).all()
        by_kind = {kind: int(total) for kind, total in grants}
        latest = latest_event_ids()
        status_rows = self.conn.execute(
            select(t.issuance_events.c.status, func.sum(t.issuances.c.amount))
            .select_from(latest)
            .join(t.issuance_events, t.issuance_events.c.id == latest.c.event_id)
            .join(t.issuances, t.issuances.c.id == latest.c.issuance)
            .group_by(t.issuance_events.c.status)
        ).all()
        by_status = {status: int(total or 0) for status, total in status_rows}
        return Balance(
            quota=by_kind.get(QuotaChangeKind.GRANT, 0) - by_kind.get(QuotaChangeKind.RECLAIM, 0),
            pending=by_status.get("pending", 0),
            approved=by_status.get("approved", 0),
            rejected=by_status.get("rejected", 0),
        )

    def customers(self) -> dict[str, Customer]:
        cv = t.customer_versions
        latest = select(func.max(cv.c.id)).group_by(cv.c.uin)
        rows = self.conn.execute(select(cv).where(cv.c.id.in_(latest))).mappings()
        return {
            r["uin"]: Customer(r["uin"], r["name"], r["bound_since"], CustomerStatus(r["status"]))
            for r in rows
        }

    def templates(self) -> dict[str, TemplateState]:
        tv = t.template_versions
        latest = select(func.max(tv.c.id)).group_by(tv.c.key)
        counts: dict[str, int] = dict(
            self.conn.execute(
                select(t.issuances.c.template_key, func.count()).group_by(
                    t.issuances.c.template_key
                )
            ).all()
        )
        rows = self.conn.execute(select(tv).where(tv.c.id.in_(latest))).mappings()
        out = {}
        for r in rows:
            tpl = template_from_row(r)
            out[r["key"]] = TemplateState(tpl, int(counts.get(r["key"], 0)))
        return out

    def requests(self, request_ids: Iterable[str]) -> dict[str, ExistingRequest]:
        """The recorded requests with these Request IDs, keyed by the ID as compared (R15);
        where spellings of one key were recorded before R15, the first recorded wins."""
        keys = sorted({identity_key(rid) for rid in request_ids})
        i, e = t.issuances, t.issuance_events
        found: dict[str, ExistingRequest] = {}
        for chunk in chunks(keys):
            rows = self.conn.execute(
                current_issuances(i, e.c.status)
                .where(i.c.request_key.in_(chunk))
                .order_by(i.c.id.desc())
            ).mappings()
            for r in rows:
                content = RequestContent(
                    r["template_key"],
                    r["customer_uin"],
                    r["estimated_revenue"],
                    r["estimated_conversion_date"],
                    r["reason"],
                    r["requested_by"],
                )
                found[identity_key(r["request_id"])] = ExistingRequest(
                    r["request_id"],
                    r["issuance_id"],
                    content,
                    r["amount"],
                    IssuanceStatus(r["status"]),
                )
        return found

    def next_issuance_number(self) -> int:
        return (
            int(
                self.conn.execute(select(func.coalesce(func.max(t.issuances.c.id), 0))).scalar_one()
            )
            + 1
        )

    def vouchers(
        self,
        status: str | None = None,
        customer: str | None = None,
        template_key: str | None = None,
    ) -> list[VoucherRecord]:
        i, e, tv = t.issuances, t.issuance_events, t.template_versions
        query = current_issuances(
            i,
            tv.c.name.label("template_name"),
            e.c.status,
            e.c.decided_on,
            e.c.valid_from,
            e.c.valid_until,
        ).order_by(i.c.id)
        conditions = []
        if status:
            conditions.append(e.c.status == status)
        if customer:
            conditions.append(i.c.customer_uin == customer)
        if template_key:
            conditions.append(i.c.template_key == template_key)
        if conditions:
            query = query.where(and_(*conditions))
        return [
            VoucherRecord(
                r["issuance_id"],
                r["request_id"],
                r["template_name"],
                r["customer_uin"],
                r["amount"],
                r["status"],
                r["requested_on"],
                r["decided_on"],
                r["valid_from"],
                r["valid_until"],
            )
            for r in self.conn.execute(query).mappings()
        ]

    def meta_value(self, key: str, create: Callable[[], str] | None = None) -> str | None:
        """A value kept in the ledger's meta table; `create` makes it once if missing."""
        value = self.conn.execute(
            select(t.meta.c.value).where(t.meta.c.key == key)
        ).scalar_one_or_none()
        if value is None and create is not None:
            value = create()
            self.conn.execute(t.meta.insert().values(key=key, value=value))
        return value

    def totals(self) -> Totals:
        """The stored sums R16 caps."""
        q, i = t.quota_entries, t.issuances
        by_kind = dict(
            self.conn.execute(
                select(q.c.kind, func.coalesce(func.sum(q.c.amount), 0)).group_by(q.c.kind)
            ).all()
        )
        requested, revenue = self.conn.execute(
            select(
                func.coalesce(func.sum(i.c.amount), 0),
                func.coalesce(func.sum(i.c.estimated_revenue), 0),
            )
        ).one()
        return Totals(
            int(by_kind.get(QuotaChangeKind.GRANT, 0)),
            int(by_kind.get(QuotaChangeKind.RECLAIM, 0)),
            int(requested),
            int(revenue),
        )

    def remaining_deltas(self) -> list[tuple[date, int]]:
        """How the remaining quota changes by business date (R14): grants and reclaims on
        their dates, requests on their requested-on dates, rejections on their decision dates.
        """
        q, i, e = t.quota_entries, t.issuances, t.issuance_events
        signed = case((q.c.kind == QuotaChangeKind.GRANT.value, q.c.amount), else_=-q.c.amount)
        out: list[tuple[date, int]] = []
        for query in (
            select(q.c.business_date, func.sum(signed)).group_by(q.c.business_date),
            select(i.c.requested_on, -func.sum(i.c.amount)).group_by(i.c.requested_on),
            select(e.c.decided_on, func.sum(i.c.amount))
            .join(i, i.c.id == e.c.issuance)
            .where(e.c.status == IssuanceStatus.REJECTED.value)
            .group_by(e.c.decided_on),
        ):
            out.extend((day, int(delta)) for day, delta in self.conn.execute(query).all())
        return out

    def quota_entry_by_ref(self, ref: str) -> QuotaChange | None:
        """The first recorded grant or reclaim whose reference is `ref` as compared (R16)."""
        key = identity_key(ref)
        q = t.quota_entries
        rows = self.conn.execute(
            select(q.c.kind, q.c.amount, q.c.ref, q.c.business_date)
            .where(q.c.ref != "")
            .order_by(q.c.id)
        ).all()
        for kind, amount, stored, on in rows:
            if identity_key(stored) == key:
                return QuotaChange(kind, int(amount), stored, on)
        return None

    def _next_seq(self) -> int:
        """The next number of the ledger-wide commit order; writers hold the ledger's lock."""
        last = [
            self.conn.execute(select(func.max(table.c.seq))).scalar_one() or 0
            for table in (t.batches, t.quota_entries)
        ]
        return int(max(last)) + 1

    # ---- appends -----------------------------------------------------------------------
    def add_quota_entry(
        self, kind: str, amount: int, by: str, ref: str, note: str, operator: str, on: date
    ) -> None:
        self.conn.execute(
            t.quota_entries.insert().values(
                kind=kind,
                amount=amount,
                by_name=by,
                ref=ref,
                note=note,
                operator=operator,
                business_date=on,
                recorded_at=now(),
                seq=self._next_seq(),
            )
        )

    def _add_batch(self, info: BatchInfo, stamp: datetime) -> int:
        result = self.conn.execute(
            t.batches.insert().values(
                kind=info.kind,
                file_name=info.file_name,
                file_sha256=info.file_sha256,
                operator=info.operator,
                business_date=info.business_date,
                recorded_at=stamp,
                counts=json.dumps(info.counts, sort_keys=True),
                seq=self._next_seq(),
            )
        )
        batch_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        if info.kept is not None:
            insert_kept(self.conn, batch_id, info.kept)
        self.recorded_at = stamp
        return batch_id

    def record_batch(self, info: BatchInfo, outcome: BatchOutcome) -> int:
        """Append a batch and everything it decided; returns the batch id."""
        stamp = now()
        batch_id = self._add_batch(info, stamp)
        if outcome.customers:
            self.conn.execute(
                t.customer_versions.insert(),
                [
                    {
                        "uin": c.uin,
                        "name": c.name,
                        "bound_since": c.bound_since,
                        "status": c.status.value,
                        "batch_id": batch_id,
                        "recorded_at": stamp,
                    }
                    for c in outcome.customers
                ],
            )
        if outcome.templates:
            self.conn.execute(
                t.template_versions.insert(),
                [
                    {**_template_row(tpl), "batch_id": batch_id, "recorded_at": stamp}
                    for tpl in outcome.templates
                ],
            )
        if outcome.issuances:
            tv = t.template_versions
            version_ids = dict(
                self.conn.execute(
                    select(tv.c.key, func.max(tv.c.id))
                    .where(tv.c.key.in_({n.template.key for n in outcome.issuances}))
                    .group_by(tv.c.key)
                ).all()
            )
            rows = []
            for n in outcome.issuances:
                rows.append(
                    {
                        "id": int(n.issuance_id.split("-")[1]),
                        "issuance_id": n.issuance_id,
                        "request_id": n.request_id,
                        "request_key": identity_key(n.request_id),
                        "template_version_id": version_ids[n.template.key],
                        "template_key": n.template.key,
                        "customer_uin": n.content.customer_uin,
                        "amount": n.amount,
                        "estimated_revenue": n.content.estimated_revenue,
                        "estimated_conversion_date": n.content.estimated_conversion_date,
                        "reason": n.content.reason,
                        "requested_by": n.content.requested_by,
                        "operator": info.operator,
                        "requested_on": info.business_date,
                        "batch_id": batch_id,
                        "recorded_at": stamp,
                    }
                )
            self.conn.execute(t.issuances.insert(), rows)
            self.conn.execute(
                t.issuance_events.insert(),
                [
                    {
                        "issuance": r["id"],
                        "status": IssuanceStatus.PENDING.value,
                        "batch_id": batch_id,
                        "recorded_at": stamp,
                    }
                    for r in rows
                ],
            )
        return batch_id

    def record_reviews(self, info: BatchInfo, decisions: Sequence[NewDecision]) -> int:
        """Append a review batch and one status entry per decision; returns the batch id."""
        stamp = now()
        batch_id = self._add_batch(info, stamp)
        if decisions:
            pks = dict(
                self.conn.execute(
                    select(t.issuances.c.issuance_id, t.issuances.c.id).where(
                        t.issuances.c.issuance_id.in_([d.issuance_id for d in decisions])
                    )
                ).all()
            )
            self.conn.execute(
                t.issuance_events.insert(),
                [
                    {
                        "issuance": pks[d.issuance_id],
                        "status": d.status.value,
                        "decided_on": d.decided_on,
                        "reviewer": d.reviewer,
                        "comment": d.comment,
                        "valid_from": d.valid_from,
                        "valid_until": d.valid_until,
                        "batch_id": batch_id,
                        "recorded_at": stamp,
                    }
                    for d in decisions
                ],
            )
        return batch_id


def _template_row(tpl: Template) -> dict[str, object]:
    return {
        "key": tpl.key,
        "name": tpl.name,
        "usage": tpl.usage.value,
        "payment_mode": tpl.payment_mode.value,
        "amount": tpl.amount,
        "validity_count": tpl.validity.count,
        "validity_unit": tpl.validity.unit,
        "validity_start": tpl.validity_start.value,
        "description": tpl.description,
    }
