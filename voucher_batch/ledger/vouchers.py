"""The console's vouchers in the ledger: links, status snapshots and deals (schema 6).

`VoucherStore` reads and appends inside one unit of work (its connection, its transaction,
the writer lock it holds). Current state is derived from the entries: a voucher's status is
its latest snapshot, its used amount by deals is the sum of its deals. Quota figures are
never touched here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, tuple_

from ..domain.follow_up import VoucherFact
from ..domain.model import Usage
from ..domain.vouchers import Approved, Deal, Snapshot, VoucherStatus
from . import schema as t
from .common import chunks, current_issuances
from .uow import UnitOfWork, now


@dataclass(frozen=True)
class ConsoleImport:
    kind: str  # link | sync | usage
    file_name: str
    file_sha256: str
    operator: str
    business_date: date
    counts: dict[str, int]


@dataclass(frozen=True)
class VoucherState:
    """What the ledger knows of the console voucher of one issuance."""

    voucher_id: str
    console_status: str | None
    total: int | None
    remaining: int | None
    deals_used: int
    expires_on: date | None


class VoucherStore:
    """Reads and appends of the console voucher tables, in one unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ---- reads ------------------------------------------------------------------------------
    def approved(self) -> list[Approved]:
        """Every approved issuance with its linked voucher, in issuance order."""
        i, e, lk = t.issuances, t.issuance_events, t.voucher_links
        query = (
            current_issuances(
                i.c.issuance_id,
                i.c.customer_uin,
                i.c.amount,
                e.c.valid_from,
                e.c.valid_until,
                lk.c.voucher_id,
            )
            .outerjoin(lk, lk.c.issuance == i.c.id)
            .where(e.c.status == "approved")
            .order_by(i.c.id)
        )
        return [
            Approved(
                r.issuance_id,
                r.customer_uin,
                int(r.amount),
                r.valid_from,
                r.valid_until,
                r.voucher_id,
            )
            for r in self.conn.execute(query)
        ]

    def latest_snapshots(
        self, voucher_ids: Iterable[str] | None = None, until: date | None = None
    ) -> dict[str, Snapshot]:
        """Each voucher's latest snapshot (of a sync on or before `until`, when given)."""
        s = t.voucher_snapshots
        latest = select(func.max(s.c.id)).group_by(s.c.voucher_id)
        if until is not None:
            latest = latest.where(s.c.business_date <= until)
        query = select(s).where(s.c.id.in_(latest))
        out: dict[str, Snapshot] = {}
        if voucher_ids is None:
            rows: list[Any] = list(self.conn.execute(query))
        else:
            ids = sorted(set(voucher_ids))
            rows = [
                r
                for part in chunks(ids)
                for r in self.conn.execute(query.where(s.c.voucher_id.in_(part)))
            ]
        for r in rows:
            out[r.voucher_id] = Snapshot(
                r.voucher_id,
                r.customer_uin,
                VoucherStatus(r.status),
                int(r.total_amount),
                int(r.remaining_amount),
                r.effective_on,
                r.expires_on,
            )
        return out

    def deals(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
        d = t.voucher_deals
        out: dict[tuple[str, str], int] = {}
        for start in range(0, len(keys), 400):
            part = keys[start : start + 400]
            query = select(d.c.voucher_id, d.c.bill_id, d.c.amount).where(
                tuple_(d.c.voucher_id, d.c.bill_id).in_(part)
            )
            out.update({(r.voucher_id, r.bill_id): int(r.amount) for r in self.conn.execute(query)})
        return out

    def deal_totals(self, until: date | None = None) -> dict[str, int]:
        """Each voucher's recorded deals (of usage imports on or before `until`, when given)."""
        d, ci = t.voucher_deals, t.console_imports
        query = select(d.c.voucher_id, func.sum(d.c.amount)).group_by(d.c.voucher_id)
        if until is not None:
            query = query.join(ci, ci.c.id == d.c.import_id).where(ci.c.business_date <= until)
        return {vid: int(total) for vid, total in self.conn.execute(query)}

    def states(self, until: date | None = None) -> dict[str, VoucherState]:
        """issuance id -> its voucher's state, for every linked issuance (as synced by the
        business date `until`, when given)."""
        i, lk = t.issuances, t.voucher_links
        links = self.conn.execute(
            select(i.c.issuance_id, lk.c.voucher_id).join(lk, lk.c.issuance == i.c.id)
        ).all()
        snaps = self.latest_snapshots(until=until)
        used = self.deal_totals(until)
        out = {}
        for issuance_id, vid in links:
            snap = snaps.get(vid)
            out[issuance_id] = VoucherState(
                voucher_id=vid,
                console_status=snap.status.value if snap else None,
                total=snap.total if snap else None,
                remaining=snap.remaining if snap else None,
                deals_used=used.get(vid, 0),
                expires_on=snap.expires_on if snap else None,
            )
        return out

    # long on purpose: one query joining an issuance to its template, link and latest sync
    def follow_up_facts(self, until: date | None = None) -> list[VoucherFact]:
        """Every approved issuance with what the console last said of its voucher (by the
        business date `until`, when given)."""
        i, e, tv, lk = t.issuances, t.issuance_events, t.template_versions, t.voucher_links
        cv = t.customer_versions
        names = {
            r.uin: r.name
            for r in self.conn.execute(
                select(cv.c.uin, cv.c.name).where(
                    cv.c.id.in_(select(func.max(cv.c.id)).group_by(cv.c.uin))
                )
            )
        }
        query = (
            current_issuances(
                i.c.issuance_id,
                tv.c.name,
                tv.c.usage,
                i.c.customer_uin,
                i.c.amount,
                i.c.estimated_revenue,
                i.c.estimated_conversion_date,
                e.c.decided_on,
                e.c.valid_until,
                lk.c.voucher_id,
            )
            .outerjoin(lk, lk.c.issuance == i.c.id)
            .where(e.c.status == "approved")
            .order_by(i.c.id)
        )
        snaps, used = self.latest_snapshots(until=until), self.deal_totals(until)
        usages = {u.value: u.label for u in Usage}  # one per approved issuance: looked up once
        facts = []
        for (
            issuance_id,
            template,
            usage,
            uin,
            amount,
            revenue,
            converts_on,
            decided_on,
            valid_until,
            voucher_id,
        ) in self.conn.execute(query):
            snap = snaps.get(voucher_id) if voucher_id else None
            facts.append(
                VoucherFact(
                    issuance_id,
                    template,
                    usages[usage],
                    uin,
                    names.get(uin, ""),
                    int(amount),
                    int(revenue),
                    converts_on,
                    decided_on,
                    valid_until,
                    voucher_id,
                    snap.status.value if snap else None,  # console_status
                    snap.total if snap else None,
                    snap.remaining if snap else None,
                    snap.expires_on if snap else None,
                    used.get(voucher_id, 0) if voucher_id else 0,  # deals_used
                )
            )
        return facts

    # ---- appends ----------------------------------------------------------------------------
    def add_import(self, info: ConsoleImport) -> tuple[int, datetime]:
        stamp = now()
        result = self.conn.execute(
            t.console_imports.insert().values(
                kind=info.kind,
                file_name=info.file_name,
                file_sha256=info.file_sha256,
                operator=info.operator,
                business_date=info.business_date,
                recorded_at=stamp,
                counts=json.dumps(info.counts, sort_keys=True),
            )
        )
        return int(result.inserted_primary_key[0]), stamp  # type: ignore[index]

    def add_links(self, import_id: int, stamp: datetime, links: Sequence[tuple[str, str]]) -> None:
        if not links:
            return
        ids = dict(
            self.conn.execute(
                select(t.issuances.c.issuance_id, t.issuances.c.id).where(
                    t.issuances.c.issuance_id.in_([i for i, _ in links])
                )
            ).all()
        )
        self.conn.execute(
            t.voucher_links.insert(),
            [
                {
                    "issuance": ids[iss],
                    "voucher_id": vid,
                    "import_id": import_id,
                    "recorded_at": stamp,
                }
                for iss, vid in links
            ],
        )

    def add_snapshots(
        self, import_id: int, stamp: datetime, on: date, snaps: Sequence[Snapshot]
    ) -> None:
        if snaps:
            self.conn.execute(
                t.voucher_snapshots.insert(),
                [
                    {
                        "voucher_id": s.voucher_id,
                        "customer_uin": s.customer_uin,
                        "status": s.status.value,
                        "total_amount": s.total,
                        "remaining_amount": s.remaining,
                        "effective_on": s.effective_on,
                        "expires_on": s.expires_on,
                        "business_date": on,
                        "import_id": import_id,
                        "recorded_at": stamp,
                    }
                    for s in snaps
                ],
            )

    def add_deals(self, import_id: int, stamp: datetime, deals: Sequence[Deal]) -> None:
        if deals:
            self.conn.execute(
                t.voucher_deals.insert(),
                [
                    {
                        "voucher_id": d.voucher_id,
                        "bill_id": d.bill_id,
                        "deal_name": d.deal_name,
                        "amount": d.amount,
                        "pay_mode": d.pay_mode,
                        "product_code": d.product_code,
                        "product_name": d.product_name,
                        "pay_time": d.pay_time,
                        "owner_uin": d.owner_uin,
                        "import_id": import_id,
                        "recorded_at": stamp,
                    }
                    for d in deals
                ],
            )


def store_of(uow: object) -> VoucherStore:
    """The voucher tables of a real unit of work (these use cases need the SQL ledger)."""
    if not isinstance(uow, UnitOfWork):
        raise TypeError("console vouchers need the SQL ledger's unit of work")
    return VoucherStore(uow.conn)
