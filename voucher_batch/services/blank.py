"""`sheets blank`: an empty input workbook to fill in, never over an existing file (R17).

When the ledger exists (and `--empty` was not given), the workbook also lists the ledger's
bound customers and its templates, offered as dropdowns on the Requests sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..domain.model import CustomerStatus
from ..errors import LedgerError, LedgerMissingError
from ..workbook.blank import LedgerLists, write_blank
from .context import Context, check_writable
from .names import BLANK, numbered, write_new

BLANK_NAME = "voucher-batch-input.xlsx"


@dataclass(frozen=True)
class BlankWorkbook:
    path: Path
    lists: LedgerLists | None  # None: no ledger lists (--empty, or no ledger yet)
    note: str  # why there are no lists ("" when there are)


def ledger_lists(ctx: Context) -> LedgerLists:
    """The ledger's bound customers (unbound ones cannot receive vouchers, R7) and templates."""
    with ctx.ledger.unit_of_work() as uow:
        customers = uow.customers()
        templates = uow.templates()
    bound = sorted((c.uin, c.name) for c in customers.values() if c.status is CustomerStatus.BOUND)
    named = sorted(
        (
            (s.template.name, s.template.amount, str(s.template.validity))
            for s in templates.values()
        ),
        key=lambda t: (t[0].casefold(), t[0]),
    )
    return LedgerLists(ctx.ledger.name, ctx.business_date, bound, named)


def sheets_blank(ctx: Context, out_dir: Path, from_ledger: bool = True) -> BlankWorkbook:
    """Write the blank workbook into `out_dir` under the first free name
    (voucher-batch-input.xlsx, then -2, -3, ...)."""
    folder = out_dir.expanduser()
    lists: LedgerLists | None = None
    note = "--empty: no ledger lists"
    if from_ledger:
        try:
            ctx.ledger.require()
        except LedgerMissingError:
            note = f"ledger {ctx.ledger.name} does not exist yet: no customer or template lists"
        except LedgerError as exc:
            raise LedgerError(
                f"{exc.message}; 'sheets blank --empty' writes the workbook without its lists"
            ) from None
        else:
            lists = ledger_lists(ctx)
            note = ""
    check_writable(folder)
    stem, suffix = BLANK_NAME.rsplit(".", 1)
    names = (f"{stem}{tag}.{suffix}" for tag in numbered())
    path = write_new(folder, names, BLANK, lambda p: write_blank(p, ctx.business_date, lists))
    return BlankWorkbook(path, lists, note)
