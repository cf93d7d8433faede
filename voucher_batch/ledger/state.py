"""The current state of the ledger a batch is decided against: the quota balance and the
stored totals, the customers and templates as last recorded, the requests already made,
the next issuance number, the quota entries by reference and the ledger's meta values.

A mixin of `UnitOfWork`: every batch makes these reads; the appends are in uow.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, Connection, Text, any_, bindparam, case, func, literal_column, select

from ..domain.identity import identity_key
from ..domain.model import (
    Customer,
    CustomerStatus,
    ExistingRequest,
    IssuanceStatus,
    RequestContent,
    TemplateState,
)
from ..domain.quota import Balance, Totals
from ..domain.vocabulary import QuotaChangeKind
from . import schema as t
from .common import chunks, template_from_row


@dataclass(frozen=True)
class QuotaChange:
    kind: str
    amount: int
    ref: str
    business_date: date


class StateReads:
    """The reads every batch makes, over the connection of its unit of work."""

    conn: Connection

    def balance(self) -> Balance:
        """The quota (grants minus reclaims) and the amounts pending, approved and rejected,
        as the batches moved them (`balance_moves`: one row per batch, not per issuance)."""
        q, m = t.quota_entries, t.balance_moves
        by_kind = dict(
            self.conn.execute(
                select(q.c.kind, func.coalesce(func.sum(q.c.amount), 0)).group_by(q.c.kind)
            ).all()
        )
        pending, approved, rejected = self.conn.execute(
            select(
                *(func.coalesce(func.sum(c), 0) for c in (m.c.pending, m.c.approved, m.c.rejected))
            )
        ).one()
        return Balance(
            quota=int(by_kind.get(QuotaChangeKind.GRANT, 0))
            - int(by_kind.get(QuotaChangeKind.RECLAIM, 0)),
            pending=int(pending),
            approved=int(approved),
            rejected=int(rejected),
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
        # each found issuance's current status, its latest entry, by the (issuance, id) index,
        # not by grouping every status entry of the ledger
        status = (
            select(e.c.status)
            .where(e.c.issuance == i.c.id)
            .order_by(e.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        found: dict[str, ExistingRequest] = {}
        columns = (
            i.c.request_id,
            i.c.issuance_id,
            i.c.template_key,
            i.c.customer_uin,
            i.c.estimated_revenue,
            i.c.estimated_conversion_date,
            i.c.reason,
            i.c.requested_by,
            i.c.amount,
            status.label("status"),
        )
        for one_of in self._one_of(i.c.request_key, keys):
            rows = self.conn.execute(select(*columns).where(one_of).order_by(i.c.id.desc()))
            for rid, iid, template_key, uin, revenue, when, reason, by, amount, current in rows:
                if current is None:  # no status entry: not an issuance yet
                    continue
                content = RequestContent(template_key, uin, revenue, when, reason, by)
                found[identity_key(rid)] = ExistingRequest(
                    rid, iid, content, amount, IssuanceStatus(current)
                )
        return found

    def _one_of(self, column: Any, keys: list[str]) -> Iterator[Any]:
        """Conditions `column IN keys`, together covering `keys`: one, with the keys as one
        parameter (a JSON array on SQLite, an array on PostgreSQL), so a batch of any size
        asks once; on another database, one per chunk of keys."""
        if not keys:
            return
        dialect = self.conn.dialect.name
        if dialect == "sqlite":
            listed = func.json_each(bindparam("keys", json.dumps(keys), type_=Text))
            yield column.in_(select(literal_column("value")).select_from(listed))
        elif dialect == "postgresql":
            yield column == any_(bindparam("keys", keys, type_=ARRAY(Text)))
        else:
            for chunk in chunks(keys):
                yield column.in_(chunk)

    def next_issuance_number(self) -> int:
        return (
            int(
                self.conn.execute(select(func.coalesce(func.max(t.issuances.c.id), 0))).scalar_one()
            )
            + 1
        )

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
