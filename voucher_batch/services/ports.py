"""What the use cases need of a ledger and of its unit of work, as typing protocols.

Services reach the ledger only through these: `Context.ledger` is a `LedgerPort`, and the
unit of work it hands out is a `UnitOfWorkPort`. The real `ledger.Ledger` and
`ledger.UnitOfWork` satisfy them structurally (mypy --strict checks it below), and any other
ledger that does, such as an in-memory one, can stand in for it. Only what services call is
listed here, so a stand-in implements no more than the use cases need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..domain.batch import BatchOutcome
from ..domain.issuance import Issuance
from ..domain.model import Customer, ExistingRequest, TemplateState
from ..domain.quota import Balance, Totals
from ..domain.report import IssuanceFact, QuotaMove
from ..domain.review import NewDecision
from ..ledger import (
    BatchInfo,
    Ledger,
    QuotaHistoryEntry,
    UnitOfWork,
    VoucherQuery,
    VoucherRecord,
)
from ..ledger.kept import KeptBatch
from ..ledger.state import QuotaChange

__all__ = ["LedgerPort", "UnitOfWorkPort"]


class UnitOfWorkPort(Protocol):
    """One transaction on the ledger: reads of its current state and appends. Nothing it
    appends is kept unless `commit()` is called before the unit of work closes."""

    @property
    def recorded_at(self) -> datetime | None:
        """The time stamp of the batch recorded last in this unit of work."""
        ...

    # run, in order, once the database has committed (interrupts held until they ran)
    on_commit: list[Callable[[], None]]

    def commit(self) -> None: ...

    # ---- the state every batch and quota change decides against
    def balance(self) -> Balance: ...
    def customers(self) -> dict[str, Customer]: ...
    def templates(self) -> dict[str, TemplateState]: ...
    def requests(self, request_ids: Iterable[str]) -> dict[str, ExistingRequest]: ...
    def next_issuance_number(self) -> int: ...
    def totals(self) -> Totals: ...
    def remaining_deltas(self) -> list[tuple[date, int]]: ...
    def quota_entry_by_ref(self, ref: str) -> QuotaChange | None: ...
    def meta_value(self, key: str, create: Callable[[], str] | None = None) -> str | None: ...
    # listings as of a business date (None: the ledger as it stands)
    def balance_as_of(self, as_of: date | None) -> Balance: ...
    def voucher_listing(self, query: VoucherQuery) -> list[VoucherRecord]: ...
    def voucher_rows(self, query: VoucherQuery) -> Iterator[VoucherRecord]: ...
    def template_listing(self, as_of: date | None) -> list[TemplateState]: ...
    def customer_listing(self, as_of: date | None) -> list[Customer]: ...
    def quota_history(self, as_of: date | None) -> list[QuotaHistoryEntry]: ...

    # ---- appends
    def add_quota_entry(
        self, kind: str, amount: int, by: str, ref: str, note: str, operator: str, on: date
    ) -> None: ...
    def record_batch(self, info: BatchInfo, outcome: BatchOutcome) -> int: ...
    def record_reviews(self, info: BatchInfo, decisions: Sequence[NewDecision]) -> int: ...

    # ---- the whole history: verify, reviews, the monthly report, recorded batches
    def entries_for_verify(self) -> dict[str, list[Any]]: ...
    def issuances_under_review(self, ids: Iterable[str] | None = None) -> dict[str, Issuance]: ...
    def report_facts(self) -> tuple[list[QuotaMove], list[IssuanceFact]]: ...
    def batch_rows(self) -> list[Any]: ...
    def batch_row(self, batch_id: int) -> Any | None: ...
    def last_batch_id(self) -> int | None: ...
    def kept_shown_counts(self) -> dict[int, dict[str, dict[str, int]]]: ...
    def kept_batch(self, batch_id: int) -> KeptBatch | None: ...
    def kept_since(self) -> int | None: ...


class LedgerPort(Protocol):
    """A ledger the use cases can work on."""

    @property
    def name(self) -> str:
        """The ledger as the user may see it (never a password)."""
        ...

    def require(self) -> None:
        """Refuse a ledger that is missing or of another schema version."""
        ...

    def init(self) -> str:
        """Create or upgrade the ledger; say which it did."""
        ...

    def unit_of_work(self, write: bool = False) -> AbstractContextManager[UnitOfWorkPort]: ...


if TYPE_CHECKING:  # mypy proves the real ledger is a ledger the use cases can work on

    def _real_ledger_fits(ledger: Ledger, uow: UnitOfWork) -> tuple[LedgerPort, UnitOfWorkPort]:
        return ledger, uow
