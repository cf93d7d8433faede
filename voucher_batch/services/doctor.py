"""`doctor`: what this installation would run against, and whether it can. The ledger (its
name with any password hidden), whether it can be reached, its schema against this tool's,
the business-day calendar, and the versions of Python and the libraries the tool relies on.

Nothing is created, upgraded or written: a missing SQLite file stays missing.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata

from ..calendars import business_calendar
from ..errors import VoucherBatchError
from ..ledger import Ledger
from ..ledger.schema import SCHEMA_REVISION, SCHEMA_VERSION
from .context import Context

LIBRARIES = (
    "voucher_batch",
    "click",
    "pandas",
    "pandera",
    "openpyxl",
    "xlsxwriter",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "jinja2",
    "matplotlib",
    "holidays",
    "platformdirs",
)


@dataclass(frozen=True)
class LedgerState:
    name: str  # a file path, or the URL with its password hidden
    reachable: bool
    schema: str | None  # the revision the ledger records (None: none, or not reachable)
    expected: str  # the revision this tool writes
    problem: str = ""  # why the ledger cannot be used as it is ("" when it can)

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class Diagnosis:
    ledger: LedgerState
    calendar: str | None
    calendar_problem: str = ""
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.ledger.ok and not self.calendar_problem


def diagnose(ctx: Context, calendar: str | None) -> Diagnosis:
    """Check the context's ledger and `calendar`; never changes anything."""
    return Diagnosis(
        ledger=ledger_state(ctx),
        calendar=calendar,
        calendar_problem=_calendar_problem(calendar, ctx.business_date),
        versions=versions(),
    )


def ledger_state(ctx: Context) -> LedgerState:
    ledger = ctx.ledger
    expected = SCHEMA_REVISION
    name = ledger.name
    if not isinstance(ledger, Ledger):  # a ledger kept in memory: there is nothing to reach
        return LedgerState(name, True, expected, expected)
    try:
        if not ledger.exists():
            return LedgerState(
                name, False, None, expected, "does not exist; create it with 'voucher-batch init'"
            )
        version, revision = ledger.schema_records()
    except VoucherBatchError as exc:
        return LedgerState(name, False, None, expected, _without_name(exc.message, name))
    found = revision or (f"{int(version):04d}" if version and version.isdigit() else version)
    try:
        ledger.require()
    except VoucherBatchError as exc:
        return LedgerState(name, True, found, expected, _without_name(exc.message, name))
    return LedgerState(name, True, found, expected)


def _without_name(message: str, name: str) -> str:
    """A ledger message without its leading `ledger NAME`, which doctor prints beside it."""
    for lead in (f"ledger {name}: ", f"ledger {name} "):
        if message.startswith(lead):
            return message[len(lead) :]
    return message


def _calendar_problem(calendar: str | None, on: date) -> str:
    try:
        business_calendar(calendar, range(on.year, on.year + 1))
    except VoucherBatchError as exc:
        return exc.message
    return ""


def versions() -> dict[str, str]:
    """Python's version and each library's, `not installed` where one is missing."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


__all__ = ["SCHEMA_VERSION", "Diagnosis", "LedgerState", "diagnose"]
