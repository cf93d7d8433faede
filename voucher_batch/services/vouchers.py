"""After approval: link issuances to console vouchers, sync their status, record their usage.

Each of `vouchers link|sync|usage` is one visible pipeline: read the console export (its
one sheet, contract section 2 reading rules) -> check (cell readers, pandera) -> decide
(`domain.vouchers`, against the ledger in one unit of work) -> record (one transaction,
append-only; nothing when no row brings anything new) -> write `<stem>-<kind>-decisions.xlsx`
(the decision sheet, Errors, Summary) under a name that replaces nothing (R17).
Quota figures are never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.console_sync import UsageCheck, decide_sync, decide_usage, usage_checks
from ..domain.linking import decide_links
from ..domain.problems import Problem
from ..domain.vouchers import LinkDecision, RowDecision, SyncDecision, UsageDecision
from ..ledger.vouchers import ConsoleImport, VoucherStore, store_of
from ..workbook.writer import Table, write_workbook
from . import after_commit
from .context import Context, prepare_outputs
from .names import RECORDED, counted, write_new

if TYPE_CHECKING:  # the reading and checking stack (pandas, pandera) loads only when used
    from ..workbook.reader import RawSheet
    from ..workbook.sheets import SheetSpec
    from ..workbook.validation import CheckedRow

DECISIONS: dict[str, tuple[str, ...]] = {
    "link": tuple(d.value for d in LinkDecision),
    "sync": tuple(d.value for d in SyncDecision),
    "usage": tuple(d.value for d in UsageDecision),
}


@dataclass
class ConsoleResult:
    kind: str
    counts: dict[str, int]
    refused: int
    recorded: bool  # False: nothing new (every row Unchanged, refused or unmatched)
    decisions_path: Path
    import_id: int | None = None
    checks: list[UsageCheck] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


@dataclass
class _Decided:
    decisions: list[RowDecision]
    record: Callable[[VoucherStore, int, datetime], None]
    new: int  # entries the batch appends
    checks: list[UsageCheck] = field(default_factory=list)


def vouchers_link(ctx: Context, path: Path, out_dir: Path) -> ConsoleResult:
    """Link approved, unlinked issuances to the vouchers of a voucher-list export."""

    def decide(store: VoucherStore, sheet: RawSheet, rows: list[CheckedRow]) -> _Decided:
        from ..workbook.console_sheets import to_voucher

        vouchers = [v for v in map(to_voucher, rows) if v is not None]
        outcome = decide_links(sheet.title, vouchers, store.approved())
        links = outcome.new_links
        return _Decided(
            outcome.decisions,
            lambda s, i, stamp: s.add_links(i, stamp, links),
            len(links),
        )

    from ..workbook.console_sheets import VOUCHERS

    return _run(ctx, path, out_dir, "link", VOUCHERS, decide)


def vouchers_sync(ctx: Context, path: Path, out_dir: Path) -> ConsoleResult:
    """Record each voucher's status and remaining amount as a voucher-list export says."""

    def decide(store: VoucherStore, sheet: RawSheet, rows: list[CheckedRow]) -> _Decided:
        from ..workbook.console_sheets import to_voucher

        vouchers = [v for v in map(to_voucher, rows) if v is not None]
        latest = store.latest_snapshots(v.voucher_id for v in vouchers)
        linked = {a.voucher_id: a for a in store.approved() if a.voucher_id}
        outcome = decide_sync(sheet.title, vouchers, latest, linked)
        snaps = outcome.new_snapshots
        return _Decided(
            outcome.decisions,
            lambda s, i, stamp: s.add_snapshots(i, stamp, ctx.business_date, snaps),
            len(snaps),
        )

    from ..workbook.console_sheets import VOUCHERS

    return _run(ctx, path, out_dir, "sync", VOUCHERS, decide)


def vouchers_usage(ctx: Context, path: Path, out_dir: Path) -> ConsoleResult:
    """Record each deal of a usage-details export once; check used amounts per voucher."""

    def decide(store: VoucherStore, sheet: RawSheet, rows: list[CheckedRow]) -> _Decided:
        from ..workbook.console_sheets import to_deal

        deals = [d for d in map(to_deal, rows) if d is not None]
        recorded = store.deals([(d.voucher_id, d.bill_id) for d in deals])
        latest = store.latest_snapshots()
        known = {a.voucher_id for a in store.approved() if a.voucher_id} | set(latest)
        outcome = decide_usage(sheet.title, deals, recorded, known)
        totals = store.deal_totals()
        for d in outcome.new_deals:
            totals[d.voucher_id] = totals.get(d.voucher_id, 0) + d.amount
        checks = usage_checks(totals, latest, {d.voucher_id for d in deals})
        new = outcome.new_deals
        return _Decided(
            outcome.decisions, lambda s, i, stamp: s.add_deals(i, stamp, new), len(new), checks
        )

    from ..workbook.console_sheets import USAGE

    return _run(ctx, path, out_dir, "usage", USAGE, decide)


Decide = Callable[[VoucherStore, "RawSheet", list["CheckedRow"]], _Decided]


def _run(
    ctx: Context, path: Path, out_dir: Path, kind: str, spec: SheetSpec, decide: Decide
) -> ConsoleResult:
    from ..workbook.console_sheets import read_console

    out_dir = prepare_outputs(ctx, out_dir)
    book, sheet, rows = read_console(path, spec)
    refused_at_reading = {r.row: r.problems for r in rows if r.problems}
    with ctx.ledger.unit_of_work(write=True) as uow:
        store = store_of(uow)
        decided = decide(store, sheet, rows)
        decisions = _in_sheet_order(rows, refused_at_reading, decided.decisions)
        counts = {d: 0 for d in DECISIONS[kind]}
        for d in decisions:
            counts[d.decision] += 1
        import_id = None
        if decided.new:
            info = ConsoleImport(
                kind, path.name, book.sha256, ctx.operator, ctx.business_date, counts
            )
            import_id, stamp = store.add_import(info)
            decided.record(store, import_id, stamp)
            uow.on_commit.append(_committed(ctx, path, out_dir, kind, import_id))
            uow.commit()
    tables = _tables(sheet, decisions, counts, decided.checks, import_id)
    written = _write_decisions(out_dir, path.stem, kind, import_id, tables)
    refused = counts.get("Refused", 0)
    return ConsoleResult(
        kind, counts, refused, import_id is not None, written, import_id, decided.checks
    )


def _committed(
    ctx: Context, path: Path, out_dir: Path, kind: str, import_id: int
) -> Callable[[], None]:
    """Notes the commit, so that any later failure says the import WAS recorded (R18)."""
    options = after_commit.run_options(ctx.ledger.name, ctx.operator, ctx.business_date.isoformat())
    again = after_commit.rerun_command(*options, "vouchers", kind, path, "--out-dir", out_dir)
    return lambda: after_commit.mark(
        after_commit.Committed(
            source=path.name,
            batch_id=import_id,
            summary=f"{path.name}: the {kind} import {import_id}",
            advice=f"run '{again}' again: it records nothing twice and writes the decisions",
        )
    )


def _write_decisions(
    out_dir: Path, stem: str, kind: str, import_id: int | None, tables: list[Table]
) -> Path:
    """`<stem>-<kind>-decisions.xlsx` (one export is read by both link and sync), or when
    that is taken `<stem>-<kind>-<import>-decisions.xlsx`, `...-2-...` (R17)."""
    tag = f"-{import_id}" if import_id is not None else "-run"
    return write_new(
        out_dir,
        (f"{stem}-{kind}{t}-decisions.xlsx" for t in counted("", tag)),
        RECORDED,
        lambda target: write_workbook(target, tables),
    )


def _in_sheet_order(
    rows: Sequence[CheckedRow],
    refused_at_reading: dict[int, list[Problem]],
    decided: Sequence[RowDecision],
) -> list[RowDecision]:
    by_row = {d.row: d for d in decided}
    out = []
    for r in rows:
        if r.row in refused_at_reading:
            out.append(RowDecision(r.row, "Refused", refused_at_reading[r.row]))
        else:
            out.append(by_row[r.row])
    return out


def _tables(
    sheet: RawSheet,
    decisions: Sequence[RowDecision],
    counts: dict[str, int],
    checks: Sequence[UsageCheck],
    import_id: int | None,
) -> list[Table]:
    raw_by_row = {r.row: r for r in sheet.rows}
    extra = ["Row", "Decision", "Reason", "Issuance ID", "Flags"]
    main_rows = [
        [
            *raw_by_row[d.row].values,
            d.row,
            d.decision,
            d.reason,
            d.issuance_id or "",
            "; ".join(d.flags),
        ]
        for d in decisions
    ]
    tables = [
        Table(
            sheet.title,
            [*sheet.headers, *extra],
            main_rows,
            highlight=[d.refused for d in decisions],
            appended_from=len(sheet.headers),
        )
    ]
    if checks:
        tables.append(
            Table(
                "Usage Check",
                ["Voucher ID", "Used by Deals", "Used by Console", "Difference", "Check"],
                [_check_row(c) for c in checks],
                highlight=[not c.matches for c in checks],
            )
        )
    tables.append(_errors(sheet, decisions))
    summary = [[d, n] for d, n in counts.items()]
    summary.append(["Recorded", f"import {import_id}" if import_id else "nothing new"])
    tables.append(Table("Summary", ["Decision", "Rows"], summary))
    return tables


def _check_row(c: UsageCheck) -> list[object]:
    if c.console_used is None:
        return [c.voucher_id, c.deals_used, None, None, "not synced yet"]
    diff = c.deals_used - c.console_used
    return [c.voucher_id, c.deals_used, c.console_used, diff, "OK" if c.matches else "Mismatch"]


def _errors(sheet: RawSheet, decisions: Sequence[RowDecision]) -> Table:
    rows: list[list[object]] = []
    for d in decisions:
        for p in d.problems:
            pos = sheet.position(p.column) if p.column else None
            cell = sheet.cell_ref(pos, p.row) if pos is not None else ""
            header = sheet.headers[pos] if pos is not None else ""
            value = "" if p.value is None else p.value
            rows.append([sheet.title, p.row, cell, header, value, p.message])
    return Table("Errors", ["Sheet", "Row", "Cell", "Column", "Value", "Problem"], rows)
