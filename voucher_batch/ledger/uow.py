"""The unit of work: reads the ledger's current state and appends a batch's entries.

`Ledger.unit_of_work()` (connection.py) hands one out inside a transaction that rolls back
unless `commit()` is called. Current state is always derived from the append-only entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import (
    Connection,
    func,
    select,
)

from ..domain.batch import BatchOutcome
from ..domain.identity import identity_key
from ..domain.issuance import Issuance
from ..domain.model import (
    Customer,
    IssuanceStatus,
    Template,
)
from ..domain.review import NewDecision
from . import schema as t
from .bulk import insert_rows, insert_tuples
from .common import chunks
from .kept import KeptBatch, insert_kept
from .listings import ListingReads
from .reads import HistoryReads
from .state import StateReads


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


class UnitOfWork(StateReads, HistoryReads, ListingReads):
    """Reads the ledger's current state (state.py, reads.py, listings.py) and appends a
    batch's entries."""

    def __init__(self, conn: Connection, is_sqlite: bool) -> None:
        self.conn = conn
        self.is_sqlite = is_sqlite
        self.committed = False
        self.recorded_at: datetime | None = None  # the time stamp of the batch recorded last
        self.on_commit: list[Callable[[], None]] = []  # run once the database has committed

    def commit(self) -> None:
        self.committed = True

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
        recorded = {"batch_id": batch_id, "recorded_at": stamp}
        if outcome.customers:
            insert_rows(
                self.conn,
                t.customer_versions,
                [{**_customer_row(c), **recorded} for c in outcome.customers],
            )
        if outcome.templates:
            insert_rows(
                self.conn,
                t.template_versions,
                [{**_template_row(tpl), **recorded} for tpl in outcome.templates],
            )
        if outcome.issuances:
            self._add_issuances(info, outcome.issuances, recorded)
            added = sum(n.amount for n in outcome.issuances)
            self._add_balance_move(batch_id, added, 0, 0)
        return batch_id

    def _add_issuances(
        self, info: BatchInfo, issuances: Sequence[Issuance], recorded: dict[str, object]
    ) -> None:
        """The new issuances, each against its template's latest version, and their first
        status entry, pending: one multi-row INSERT each, over tuples built in one pass."""
        tv = t.template_versions
        version_ids = dict(
            self.conn.execute(
                select(tv.c.key, func.max(tv.c.id))
                .where(tv.c.key.in_({n.template.key for n in issuances}))
                .group_by(tv.c.key)
            ).all()
        )
        insert_tuples(  # row by row, as the driver takes them
            self.conn,
            t.issuances,
            _ISSUANCE_COLUMNS,
            (_issuance_values(_pk(n), n, version_ids) for n in issuances),
            same={"operator": info.operator, "requested_on": info.business_date, **recorded},
        )
        insert_tuples(
            self.conn,
            t.issuance_events,
            ("issuance",),
            ((_pk(n),) for n in issuances),
            same={"status": IssuanceStatus.PENDING.value, **recorded},
        )

    def _add_balance_move(self, batch_id: int, pending: int, approved: int, rejected: int) -> None:
        """What the batch moved into and out of pending, approved and rejected (schema 7)."""
        self.conn.execute(
            t.balance_moves.insert().values(
                batch_id=batch_id, pending=pending, approved=approved, rejected=rejected
            )
        )

    def record_reviews(self, info: BatchInfo, decisions: Sequence[NewDecision]) -> int:
        """Append a review batch and one status entry per decision; returns the batch id."""
        stamp = now()
        batch_id = self._add_batch(info, stamp)
        if decisions:
            i = t.issuances
            found = {
                r.issuance_id: (r.id, int(r.amount))
                for part in chunks([d.issuance_id for d in decisions])
                for r in self.conn.execute(
                    select(i.c.issuance_id, i.c.id, i.c.amount).where(i.c.issuance_id.in_(part))
                )
            }
            pks = {issuance_id: pk for issuance_id, (pk, _) in found.items()}
            insert_rows(
                self.conn,
                t.issuance_events,
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
            moved = {status: 0 for status in IssuanceStatus}
            for d in decisions:
                moved[d.status] += found[d.issuance_id][1]
            approved, rejected = moved[IssuanceStatus.APPROVED], moved[IssuanceStatus.REJECTED]
            self._add_balance_move(batch_id, -(approved + rejected), approved, rejected)
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


def _customer_row(c: Customer) -> dict[str, object]:
    return {
        "uin": c.uin,
        "name": c.name,
        "bound_since": c.bound_since,
        "status": c.status.value,
    }


# what `_issuance_values` gives, in order; the operator and business date are the batch's
_ISSUANCE_COLUMNS = (
    "id",
    "issuance_id",
    "request_id",
    "request_key",
    "template_version_id",
    "template_key",
    "customer_uin",
    "amount",
    "estimated_revenue",
    "estimated_conversion_date",
    "reason",
    "requested_by",
)


def _pk(n: Issuance) -> int:
    """The issuance's row id: the number of its issuance id."""
    return int(n.issuance_id.split("-")[1])


def _issuance_values(pk: int, n: Issuance, version_ids: dict[str, int]) -> tuple[object, ...]:
    key = n.template.key
    return (
        pk,
        n.issuance_id,
        n.request_id,
        identity_key(n.request_id),
        version_ids[key],
        key,
        n.customer_uin,
        n.amount,
        n.estimated_revenue,
        n.estimated_conversion_date,
        n.reason,
        n.requested_by,
    )
