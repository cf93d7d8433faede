"""`templates export` and `vouchers export`: the ledger's current state as a workbook.

The templates export has the Templates sheet's own headers and values as people write them
(labels, `30 days`), so it can be sent back as input: every row then comes back
`Unchanged`. Its extra columns (Locked, Issued) are ignored when read. Both are regenerable
output: a later export replaces the tool's own file only while nobody has changed it (R17).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..domain.model import TemplateState, name_key
from ..ledger import VoucherQuery
from ..workbook.sheets import CHOICE, TEMPLATES
from ..workbook.writer import DATE_FORMAT, Table, write_workbook
from .context import Context, prepare_outputs
from .names import LEDGER_EXPORT, numbered, write_regenerable
from .vocabulary import LABELS

TEMPLATE_EXTRA = ["Locked", "Issued"]
VOUCHER_HEADERS = [
    "Issuance ID",
    "Request ID",
    "Template Name",
    "Customer UIN",
    "Amount",
    "Status",
    "Requested On",
    "Decided On",
    "Valid From",
    "Valid Until",
]


def _template_row(state: TemplateState) -> list[object]:
    """A template as a Templates-sheet row, in the contract's column order."""
    tpl = state.template
    by_column: dict[str, object] = {
        "Template Name": tpl.name,
        "Usage": tpl.usage.label,
        "Payment Mode": tpl.payment_mode.label,
        "Amount": tpl.amount,
        "Validity Period": str(tpl.validity),
        "Validity Start": tpl.validity_start.label,
        "Description": tpl.description,
    }
    row = [
        # the single-valued fields (R5) take their only value
        by_column.get(c.name, c.choices[0] if c.kind == CHOICE and c.choices else "")
        for c in TEMPLATES.columns
    ]
    return [*row, "Yes" if state.locked else "No", state.issued_count]


def templates_table(states: list[TemplateState]) -> Table:
    rows = [
        _template_row(s) for s in sorted(states, key=lambda s: (s.template.key, s.template.name))
    ]
    headers = [c.name for c in TEMPLATES.columns] + TEMPLATE_EXTRA
    return Table(TEMPLATES.name, headers, rows)


def _export(ctx: Context, out_dir: Path, stem: str, table: Callable[[], Table]) -> Path:
    folder = prepare_outputs(ctx, out_dir)
    built = table()
    names = (f"{stem}-{ctx.business_date.isoformat()}{tag}.xlsx" for tag in numbered())
    return write_regenerable(
        folder, names, LEDGER_EXPORT, lambda path, replace: _write(path, built, replace)
    )


def _write(path: Path, table: Table, replace: bool) -> None:
    write_workbook(path, [table], replace)


def templates_export(ctx: Context, out_dir: Path, as_of: date | None = None) -> tuple[Path, int]:
    """Write every template as last recorded by the end of `as_of` (None: as they stand);
    returns the file and the number of rows."""
    count = 0

    def table() -> Table:
        nonlocal count
        with ctx.ledger.unit_of_work() as uow:
            states = uow.template_listing(as_of)
        count = len(states)
        return templates_table(states)

    return _export(ctx, out_dir, "templates", table), count


@dataclass(frozen=True)
class VoucherFilter:
    """Which issuances `vouchers export` writes (as `vouchers list`); None is open."""

    status: str | None = None
    customer: str | None = None
    template: str | None = None
    requested: tuple[date | None, date | None] = (None, None)
    decided: tuple[date | None, date | None] = (None, None)


def vouchers_export(
    ctx: Context,
    out_dir: Path,
    which: VoucherFilter = VoucherFilter(),
    as_of: date | None = None,
) -> tuple[Path, int]:
    """Write the issuances `which` selects, with their status at the end of `as_of` (None:
    as they stand); returns the file and the count."""
    count = 0
    query = VoucherQuery(
        status=which.status,
        customer=which.customer,
        template_key=name_key(which.template) if which.template else None,
        requested_from=which.requested[0],
        requested_to=which.requested[1],
        decided_from=which.decided[0],
        decided_to=which.decided[1],
        as_of=as_of,
    )

    def table() -> Table:
        nonlocal count
        with ctx.ledger.unit_of_work() as uow:
            records = uow.voucher_listing(query)
        count = len(records)
        rows: list[list[object]] = [
            [
                r.issuance_id,
                r.request_id,
                r.template_name,
                r.customer_uin,
                r.amount,
                LABELS["status"].get(r.status, r.status),
                r.requested_on,
                r.decided_on,
                r.valid_from,
                r.valid_until,
            ]
            for r in records
        ]
        formats: list[str | None] = [None] * 6 + [DATE_FORMAT] * 4
        return Table("Vouchers", list(VOUCHER_HEADERS), rows, formats)

    return _export(ctx, out_dir, "vouchers", table), count
