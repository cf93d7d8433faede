"""An in-memory ledger for service tests: `FakeLedger` and its `FakeUnitOfWork`.

It implements `services.ports.LedgerPort` / `UnitOfWorkPort` over plain Python records, so a
use case runs against it in milliseconds. It keeps the real ledger's transaction rules:
a unit of work works on a copy of the state, and the copy replaces the state only when
`commit()` was called on a writing unit of work that closed without an exception; a reading
unit of work refuses appends. What the fake cannot answer honestly (the raw entries
`ledger verify` replays, the monthly report's joins) raises NotImplementedError: those use
cases are tested on the real ledger. `tests/unit/test_services_with_fake.py` runs one set of
checks on this fake and on a real SQLite ledger, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from voucher_batch.domain.batch import BatchOutcome
from voucher_batch.domain.identity import identity_key
from voucher_batch.domain.issuance import Issuance
from voucher_batch.domain.model import (
    Customer,
    ExistingRequest,
    IssuanceStatus,
    RequestContent,
    Template,
    TemplateState,
)
from voucher_batch.domain.quota import Balance, Totals
from voucher_batch.domain.report import IssuanceFact, QuotaMove
from voucher_batch.domain.review import NewDecision
from voucher_batch.errors import LedgerError, LedgerMissingError
from voucher_batch.ledger import BatchInfo, QuotaHistoryEntry, VoucherQuery, VoucherRecord
from voucher_batch.ledger.kept import KeptBatch
from voucher_batch.ledger.schema import SCHEMA_VERSION
from voucher_batch.ledger.state import QuotaChange

if TYPE_CHECKING:
    from voucher_batch.services.ports import LedgerPort, UnitOfWorkPort


@dataclass(frozen=True)
class QuotaEntry:
    kind: str  # grant | reclaim
    amount: int
    by: str
    ref: str
    note: str
    operator: str
    business_date: date


@dataclass(frozen=True)
class StatusEntry:
    status: IssuanceStatus
    decided_on: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass
class StoredIssuance:
    """An issuance as this fake keeps it: its pending entry and every status entry after."""

    number: int
    issuance_id: str
    request_id: str
    template: Template  # the version it was issued from
    content: RequestContent
    amount: int
    operator: str
    requested_on: date
    events: list[StatusEntry]

    @property
    def status(self) -> IssuanceStatus:
        return self.events[-1].status


@dataclass(frozen=True)
class BatchRow:
    """A recorded batch, with the attributes the real ledger's batch rows have."""

    id: int
    kind: str
    file_name: str
    file_sha256: str
    operator: str
    business_date: date
    recorded_at: datetime
    counts: str  # JSON, as stored
    kept: KeptBatch | None


@dataclass
class State:
    """Everything the ledger holds; the latest version of a customer or template wins."""

    quota: list[QuotaEntry] = field(default_factory=list)
    customers: dict[str, Customer] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    issuances: list[StoredIssuance] = field(default_factory=list)
    batches: list[BatchRow] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


class FakeUnitOfWork:
    def __init__(self, state: State, write: bool) -> None:
        self.state = state
        self.write = write
        self.committed = False
        self.recorded_at: datetime | None = None
        self.on_commit: list[Callable[[], None]] = []

    def commit(self) -> None:
        self.committed = True

    def _writing(self) -> None:
        if not self.write:
            raise LedgerError("ledger fake: a reading unit of work cannot append")

    # ---- reads -------------------------------------------------------------------------
    def balance(self) -> Balance:
        by_status = {s: 0 for s in IssuanceStatus}
        for i in self.state.issuances:
            by_status[i.status] += i.amount
        totals = self.totals()
        return Balance(
            quota=totals.granted - totals.reclaimed,
            pending=by_status[IssuanceStatus.PENDING],
            approved=by_status[IssuanceStatus.APPROVED],
            rejected=by_status[IssuanceStatus.REJECTED],
        )

    def customers(self) -> dict[str, Customer]:
        return dict(self.state.customers)

    def templates(self) -> dict[str, TemplateState]:
        used: dict[str, int] = {}
        for i in self.state.issuances:
            used[i.content.template_key] = used.get(i.content.template_key, 0) + 1
        return {k: TemplateState(tpl, used.get(k, 0)) for k, tpl in self.state.templates.items()}

    def requests(self, request_ids: Iterable[str]) -> dict[str, ExistingRequest]:
        keys = {identity_key(rid) for rid in request_ids}
        found: dict[str, ExistingRequest] = {}
        for i in self.state.issuances:  # oldest first: the first recorded spelling wins
            key = identity_key(i.request_id)
            if key in keys and key not in found:
                found[key] = ExistingRequest(
                    i.request_id, i.issuance_id, i.content, i.amount, i.status
                )
        return found

    def next_issuance_number(self) -> int:
        return max((i.number for i in self.state.issuances), default=0) + 1

    def totals(self) -> Totals:
        def of(kind: str) -> int:
            return sum(q.amount for q in self.state.quota if q.kind == kind)

        return Totals(
            of("grant"),
            of("reclaim"),
            sum(i.amount for i in self.state.issuances),
            sum(i.content.estimated_revenue for i in self.state.issuances),
        )

    def remaining_deltas(self) -> list[tuple[date, int]]:
        out: list[tuple[date, int]] = []
        for group in (
            [
                (q.business_date, q.amount if q.kind == "grant" else -q.amount)
                for q in self.state.quota
            ],
            [(i.requested_on, -i.amount) for i in self.state.issuances],
            [
                (e.decided_on, i.amount)
                for i in self.state.issuances
                for e in i.events
                if e.status is IssuanceStatus.REJECTED and e.decided_on is not None
            ],
        ):
            by_day: dict[date, int] = {}
            for day, delta in group:
                by_day[day] = by_day.get(day, 0) + delta
            out.extend(by_day.items())
        return out

    def quota_entry_by_ref(self, ref: str) -> QuotaChange | None:
        key = identity_key(ref)
        for q in self.state.quota:
            if q.ref != "" and identity_key(q.ref) == key:
                return QuotaChange(q.kind, q.amount, q.ref, q.business_date)
        return None

    def meta_value(self, key: str, create: Callable[[], str] | None = None) -> str | None:
        value = self.state.meta.get(key)
        if value is None and create is not None:
            self._writing()
            value = self.state.meta[key] = create()
        return value

    # ---- appends -----------------------------------------------------------------------
    def add_quota_entry(
        self, kind: str, amount: int, by: str, ref: str, note: str, operator: str, on: date
    ) -> None:
        self._writing()
        self.state.quota.append(QuotaEntry(kind, amount, by, ref, note, operator, on))

    def _add_batch(self, info: BatchInfo) -> int:
        self._writing()
        stamp = datetime.now(UTC)
        batch_id = len(self.state.batches) + 1
        self.state.batches.append(
            BatchRow(
                batch_id,
                info.kind,
                info.file_name,
                info.file_sha256,
                info.operator,
                info.business_date,
                stamp,
                json.dumps(info.counts, sort_keys=True),
                info.kept,
            )
        )
        self.recorded_at = stamp
        return batch_id

    def record_batch(self, info: BatchInfo, outcome: BatchOutcome) -> int:
        batch_id = self._add_batch(info)
        for c in outcome.customers:
            self.state.customers[c.uin] = c
        for tpl in outcome.templates:
            self.state.templates[tpl.key] = tpl
        for n in outcome.issuances:
            self.state.issuances.append(
                StoredIssuance(
                    int(n.issuance_id.split("-")[1]),
                    n.issuance_id,
                    n.request_id,
                    self.state.templates[n.template.key],
                    n.content,
                    n.amount,
                    info.operator,
                    info.business_date,
                    [StatusEntry(IssuanceStatus.PENDING)],
                )
            )
        return batch_id

    def record_reviews(self, info: BatchInfo, decisions: Sequence[NewDecision]) -> int:
        batch_id = self._add_batch(info)
        by_id = {i.issuance_id: i for i in self.state.issuances}
        for d in decisions:
            by_id[d.issuance_id].events.append(
                StatusEntry(d.status, d.decided_on, d.valid_from, d.valid_until)
            )
        return batch_id

    # ---- the whole history ---------------------------------------------------------------
    def issuances_under_review(self, ids: Iterable[str] | None = None) -> dict[str, Issuance]:
        wanted = None if ids is None else set(ids)
        return {
            i.issuance_id: Issuance(
                issuance_id=i.issuance_id,
                amount=i.amount,
                template=i.template,
                requested_by=i.content.requested_by,
                operator=i.operator,
                requested_on=i.requested_on,
                status=i.status,
                decided_on=i.events[-1].decided_on,
                request_id=i.request_id,
                customer_uin=i.content.customer_uin,
                estimated_revenue=i.content.estimated_revenue,
                estimated_conversion_date=i.content.estimated_conversion_date,
                reason=i.content.reason,
            )
            for i in self.state.issuances
            if (i.status is IssuanceStatus.PENDING if wanted is None else i.issuance_id in wanted)
        }

    def entries_for_verify(self) -> dict[str, list[Any]]:
        raise NotImplementedError("ledger verify replays the real ledger's entries")

    def report_facts(self) -> tuple[list[QuotaMove], list[IssuanceFact]]:
        raise NotImplementedError("the monthly report is tested on the real ledger")

    # the listings as of a business date are tested on the real ledger (SQLite, PostgreSQL)
    def balance_as_of(self, as_of: date | None) -> Balance:
        raise NotImplementedError("listings are tested on the real ledger")

    def voucher_listing(self, query: VoucherQuery) -> list[VoucherRecord]:
        out = []
        day = query.as_of
        for i in self.state.issuances:
            if day is not None and i.requested_on > day:
                continue
            e = [e for e in i.events if day is None or e.decided_on is None or e.decided_on <= day][
                -1
            ]
            if _matches(query, i, e):
                out.append(
                    VoucherRecord(
                        i.issuance_id,
                        i.request_id,
                        i.template.name,
                        i.content.customer_uin,
                        i.amount,
                        e.status.value,
                        i.requested_on,
                        e.decided_on,
                        e.valid_from,
                        e.valid_until,
                    )
                )
        return out

    def voucher_rows(self, query: VoucherQuery) -> Iterator[VoucherRecord]:
        return iter(self.voucher_listing(query))

    def template_listing(self, as_of: date | None) -> list[TemplateState]:
        raise NotImplementedError("listings are tested on the real ledger")

    def customer_listing(self, as_of: date | None) -> list[Customer]:
        raise NotImplementedError("listings are tested on the real ledger")

    def quota_history(self, as_of: date | None) -> list[QuotaHistoryEntry]:
        raise NotImplementedError("listings are tested on the real ledger")

    def batch_rows(self) -> list[Any]:
        return list(self.state.batches)

    def batch_row(self, batch_id: int) -> Any | None:
        return next((b for b in self.state.batches if b.id == batch_id), None)

    def last_batch_id(self) -> int | None:
        return self.state.batches[-1].id if self.state.batches else None

    def kept_shown_counts(self) -> dict[int, dict[str, dict[str, int]]]:
        return {b.id: b.kept.counts for b in self.state.batches if b.kept is not None}

    def kept_batch(self, batch_id: int) -> KeptBatch | None:
        row = self.batch_row(batch_id)
        return row.kept if row is not None else None

    def kept_since(self) -> int | None:
        return None  # a fake ledger kept every batch's rows from its start


def _matches(query: VoucherQuery, i: StoredIssuance, e: StatusEntry) -> bool:
    """Whether an issuance, with `e` its status entry then, is one `query` asks for."""
    decided = e.decided_on
    bounds = (
        (query.requested_from, i.requested_on, True),
        (query.requested_to, i.requested_on, False),
        (query.decided_from, decided, True),
        (query.decided_to, decided, False),
    )
    for bound, day, lower in bounds:
        if bound is None:
            continue
        if day is None or (day < bound if lower else day > bound):
            return False
    return (
        (query.status is None or e.status.value == query.status)
        and (query.customer is None or i.content.customer_uin == query.customer)
        and (query.template_key is None or i.content.template_key == query.template_key)
    )


class FakeLedger:
    """A ledger in memory; `init()` creates it, as it creates a real one."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.state: State | None = None
        self.commits = 0  # how many units of work kept their changes

    def require(self) -> None:
        if self.state is None:
            raise LedgerMissingError(
                f"ledger {self.name} does not exist; create it with 'voucher-batch init' "
                "(or pass the right --ledger)"
            )

    def init(self) -> str:
        if self.state is None:
            self.state = State()
            return f"created (schema {SCHEMA_VERSION})"
        return f"up to date (schema {SCHEMA_VERSION})"

    @contextmanager
    def unit_of_work(self, write: bool = False) -> Iterator[FakeUnitOfWork]:
        self.require()
        assert self.state is not None
        # the unit of work changes a copy: an exception or a missing commit() leaves the
        # ledger as it was, as a rolled-back transaction does
        uow = FakeUnitOfWork(copy.deepcopy(self.state), write)
        yield uow
        if uow.committed and write:
            self.state = uow.state
            self.commits += 1
            for done in uow.on_commit:
                done()


if TYPE_CHECKING:  # mypy checks that the fake is a ledger the use cases can work on

    def _fake_fits(ledger: FakeLedger, uow: FakeUnitOfWork) -> tuple[LedgerPort, UnitOfWorkPort]:
        return ledger, uow
