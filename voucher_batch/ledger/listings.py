"""Reads for the listings people and scripts ask for, as of a business date.

A mixin of `UnitOfWork`. Every read takes `as_of`: None is the ledger as it stands (every
entry, whatever its business date); a date D keeps only what the ledger knew at the end of
D — quota changes dated on or before D, requests requested on or before D, review decisions
decided on or before D (a request decided after D is still pending on D), customer and
template versions recorded by batches dated on or before D.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from ..domain.model import Customer, CustomerStatus, IssuanceStatus, TemplateState
from ..domain.quota import Balance
from ..domain.vocabulary import QuotaChangeKind
from . import schema as t
from .common import template_from_row

LISTING_CHUNK = 2_000  # rows fetched at a time by a streamed listing


@dataclass(frozen=True)
class VoucherRecord:
    issuance_id: str
    request_id: str
    template_name: str
    customer_uin: str
    amount: int
    status: str
    requested_on: date
    decided_on: date | None
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True)
class VoucherQuery:
    """Which issuances `vouchers list` shows; a bound of None is open."""

    status: str | None = None
    customer: str | None = None
    template_key: str | None = None
    requested_from: date | None = None
    requested_to: date | None = None
    decided_from: date | None = None
    decided_to: date | None = None
    as_of: date | None = None


@dataclass(frozen=True)
class QuotaHistoryEntry:
    kind: str
    amount: int
    by: str
    ref: str
    note: str
    business_date: date
    recorded_at: datetime
    operator: str


def _event_in_force(as_of: date | None) -> Any:
    """The id of the issuance's status entry in force at the end of `as_of` (None: its
    latest), correlated with the issuance of the outer query: the issuances are then read in
    their own order, so a listing's first rows come before its last are found."""
    x = t.issuance_events.alias("x")
    query = select(func.max(x.c.id)).where(x.c.issuance == t.issuances.c.id)
    if as_of is not None:
        query = query.where(or_(x.c.decided_on.is_(None), x.c.decided_on <= as_of))
    return query.scalar_subquery()


def _issuances_as_of(as_of: date | None, *columns: Any) -> Any:
    """SELECT `columns` over the issuances requested by `as_of`, each joined to its status
    entry then (`e`) and the template version it was issued from (`tv`)."""
    i, e, tv = t.issuances, t.issuance_events, t.template_versions
    query = (
        select(*columns)
        .select_from(i)
        .join(e, e.c.id == _event_in_force(as_of))
        .join(tv, tv.c.id == i.c.template_version_id)
    )
    return query if as_of is None else query.where(i.c.requested_on <= as_of)


def _latest_versions(table: Any, key: Any, as_of: date | None) -> Any:
    """The ids of the newest version of each `key` recorded by a batch dated by `as_of`."""
    query = select(func.max(table.c.id)).group_by(key)
    if as_of is not None:
        query = query.join(t.batches, t.batches.c.id == table.c.batch_id).where(
            t.batches.c.business_date <= as_of
        )
    return query


class ListingReads:
    conn: Connection

    def balance_as_of(self, as_of: date | None) -> Balance:
        """Quota, pending, approved and rejected at the end of `as_of` (R2, R14)."""
        q, i, e = t.quota_entries, t.issuances, t.issuance_events
        moves = select(q.c.kind, func.coalesce(func.sum(q.c.amount), 0)).group_by(q.c.kind)
        if as_of is not None:
            moves = moves.where(q.c.business_date <= as_of)
        by_kind = {kind: int(total) for kind, total in self.conn.execute(moves).all()}
        statuses = _issuances_as_of(as_of, e.c.status, func.sum(i.c.amount)).group_by(e.c.status)
        by_status = {s: int(n or 0) for s, n in self.conn.execute(statuses).all()}
        return Balance(
            quota=by_kind.get(QuotaChangeKind.GRANT, 0) - by_kind.get(QuotaChangeKind.RECLAIM, 0),
            pending=by_status.get(IssuanceStatus.PENDING.value, 0),
            approved=by_status.get(IssuanceStatus.APPROVED.value, 0),
            rejected=by_status.get(IssuanceStatus.REJECTED.value, 0),
        )

    def voucher_listing(self, query: VoucherQuery) -> list[VoucherRecord]:
        """The issuances `query` asks for, with their status at the end of its `as_of`."""
        return list(self.voucher_rows(query))

    def voucher_rows(self, query: VoucherQuery) -> Iterator[VoucherRecord]:
        """`voucher_listing` one row at a time, fetched in chunks: memory does not grow with
        the ledger, and the first rows come before the last are read."""
        i, e, tv = t.issuances, t.issuance_events, t.template_versions
        select_ = _issuances_as_of(
            query.as_of,
            i,
            tv.c.name.label("template_name"),
            e.c.status,
            e.c.decided_on,
            e.c.valid_from,
            e.c.valid_until,
        ).order_by(i.c.id)
        conditions = []
        if query.status is not None:
            conditions.append(e.c.status == query.status)
        if query.customer is not None:
            conditions.append(i.c.customer_uin == query.customer)
        if query.template_key is not None:
            conditions.append(i.c.template_key == query.template_key)
        if query.requested_from is not None:
            conditions.append(i.c.requested_on >= query.requested_from)
        if query.requested_to is not None:
            conditions.append(i.c.requested_on <= query.requested_to)
        if query.decided_from is not None:
            conditions.append(e.c.decided_on >= query.decided_from)
        if query.decided_to is not None:
            conditions.append(e.c.decided_on <= query.decided_to)
        if conditions:
            select_ = select_.where(and_(*conditions))
        rows = self.conn.execution_options(yield_per=LISTING_CHUNK).execute(select_)
        for r in rows.mappings():
            yield VoucherRecord(
                issuance_id=r["issuance_id"],
                request_id=r["request_id"],
                template_name=r["template_name"],
                customer_uin=r["customer_uin"],
                amount=r["amount"],
                status=r["status"],
                requested_on=r["requested_on"],
                decided_on=r["decided_on"],
                valid_from=r["valid_from"],
                valid_until=r["valid_until"],
            )

    def template_listing(self, as_of: date | None) -> list[TemplateState]:
        """Each template as last recorded by `as_of`, counting the issuances requested by
        then (R6: a template with any is locked)."""
        tv, i = t.template_versions, t.issuances
        counted = select(i.c.template_key, func.count()).group_by(i.c.template_key)
        if as_of is not None:
            counted = counted.where(i.c.requested_on <= as_of)
        counts = {key: int(n) for key, n in self.conn.execute(counted).all()}
        latest = _latest_versions(tv, tv.c.key, as_of)
        rows = self.conn.execute(select(tv).where(tv.c.id.in_(latest))).mappings()
        states = [TemplateState(template_from_row(r), counts.get(r["key"], 0)) for r in rows]
        return sorted(states, key=lambda s: s.template.key)

    def customer_listing(self, as_of: date | None) -> list[Customer]:
        """Each customer as last recorded by `as_of`, by UIN."""
        cv = t.customer_versions
        latest = _latest_versions(cv, cv.c.uin, as_of)
        rows = self.conn.execute(select(cv).where(cv.c.id.in_(latest)).order_by(cv.c.uin))
        return [Customer(r.uin, r.name, r.bound_since, CustomerStatus(r.status)) for r in rows]

    def quota_history(self, as_of: date | None) -> list[QuotaHistoryEntry]:
        """Every grant and reclaim dated by `as_of`, by business date then as recorded."""
        q = t.quota_entries
        query = select(q).order_by(q.c.business_date, q.c.id)
        if as_of is not None:
            query = query.where(q.c.business_date <= as_of)
        return [
            QuotaHistoryEntry(
                kind=r.kind,
                amount=int(r.amount),
                by=r.by_name,
                ref=r.ref,
                note=r.note,
                business_date=r.business_date,
                recorded_at=r.recorded_at,
                operator=r.operator,
            )
            for r in self.conn.execute(query).all()
        ]
