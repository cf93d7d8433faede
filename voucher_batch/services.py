"""The service layer: each command's pipeline, in one place.

`ingest` is the whole flow of a workbook: read (openpyxl) -> check (cell readers and the
pandera models) -> decide (the pure domain engine against a view of the ledger) -> record
(one ledger transaction) -> render (decision workbook and HTML batch report). The command
line calls these functions and prints what they return.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .domain import engine
from .domain.engine import (
    BatchContext,
    BatchOutcome,
    CustomerRow,
    LedgerView,
    RequestRow,
    RowDecision,
    TemplateRow,
)
from .domain.model import (
    CustomerStatus,
    PaymentMode,
    Template,
    Usage,
    ValidityPeriod,
    ValidityStart,
    name_key,
)
from .domain.quota import Balance, QuotaRuleError, check_change
from .errors import OutputError, OutputsNotWrittenError, RuleError
from .ledger.uow import BatchInfo, Ledger, VoucherRecord
from .render import render_html
from .workbook.writer import Table, write_workbook

if TYPE_CHECKING:  # the reading and checking stack (pandas, pandera) loads only for ingest
    from .workbook.reader import RawBook, RawSheet
    from .workbook.validation import CheckedRow

DECISIONS = {
    "Customers": (engine.ADDED, engine.UPDATED, engine.UNCHANGED, engine.REFUSED),
    "Templates": (engine.CREATED, engine.UPDATED, engine.UNCHANGED, engine.REFUSED),
    "Requests": (engine.PENDING_APPROVAL, engine.ALREADY_SUBMITTED, engine.REFUSED),
}

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class Context:
    ledger: Ledger
    operator: str
    business_date: date


@dataclass
class IngestResult:
    file_name: str
    recorded: bool
    counts: dict[str, dict[str, int]]
    refused: int
    before: Balance
    after: Balance
    decisions_path: Path
    report_path: Path
    skipped: list[str] = field(default_factory=list)
    not_recorded_reason: str = ""

    @property
    def exit_code(self) -> int:
        if self.not_recorded_reason.startswith("all-or-nothing"):
            return 2
        return 1 if self.refused else 0


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- checked rows -> domain rows ------------------------------------------------------


def _text(values: dict[str, object], key: str) -> str | None:
    value = values.get(key)
    return value if isinstance(value, str) and value else None


def _int(values: dict[str, object], key: str) -> int | None:
    value = values.get(key)
    return int(value) if isinstance(value, int) else None


def _date(values: dict[str, object], key: str) -> date | None:
    value = values.get(key)
    return value if isinstance(value, date) else None


def _customer_row(sheet: str, row: CheckedRow) -> CustomerRow:
    v = row.values
    status = _text(v, "Status")
    return CustomerRow(
        sheet,
        row.row,
        _text(v, "Customer UIN"),
        _text(v, "Customer Name"),
        _date(v, "Bound Since"),
        CustomerStatus(status) if status else None,
        row.problems,
    )


def _template_row(sheet: str, row: CheckedRow) -> TemplateRow:
    v = row.values
    if row.problems:
        return TemplateRow(sheet, row.row, None, row.problems)
    count, unit = str(v["Validity Period"]).split(" ")
    template = Template(
        name=str(v["Template Name"]),
        usage=Usage(str(v["Usage"])),
        payment_mode=PaymentMode(str(v["Payment Mode"])),
        amount=_int(v, "Amount") or 0,
        validity=ValidityPeriod(int(count), unit),
        validity_start=ValidityStart(str(v["Validity Start"])),
        description=_text(v, "Description") or "",
    )
    return TemplateRow(sheet, row.row, template, [])


def _request_row(sheet: str, row: CheckedRow) -> RequestRow:
    v = row.values
    return RequestRow(
        sheet,
        row.row,
        _text(v, "Request ID"),
        _text(v, "Template Name"),
        _text(v, "Customer UIN"),
        _int(v, "Estimated Revenue"),
        _date(v, "Estimated Conversion Date"),
        _text(v, "Application Reason"),
        _text(v, "Requested By"),
        row.problems,
    )


# ---- ingest --------------------------------------------------------------------------


def ingest(
    ctx: Context,
    path: Path,
    out_dir: Path,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: Progress = _quiet,
) -> IngestResult:
    from .workbook.reader import read_workbook
    from .workbook.validation import check_sheet

    ctx.ledger.require()
    out_dir = out_dir.expanduser()
    check_writable(out_dir)
    progress(f"reading {path.name}")
    book = read_workbook(path)
    sha = file_sha256(path)
    progress("checking cells")
    checked = {sheet.spec.name: (sheet, check_sheet(sheet)) for sheet in book.sheets}
    customers = [
        _customer_row(s.title, r) for s, rows in _sheets(checked, "Customers") for r in rows
    ]
    templates = [
        _template_row(s.title, r) for s, rows in _sheets(checked, "Templates") for r in rows
    ]
    requests = [_request_row(s.title, r) for s, rows in _sheets(checked, "Requests") for r in rows]

    progress("deciding")
    with ctx.ledger.unit_of_work(write=not dry_run) as uow:
        before = uow.balance()
        view = LedgerView(
            before,
            uow.customers(),
            uow.templates(),
            uow.requests(r.request_id for r in requests if r.request_id),
        )
        counter = [uow.next_issuance_number()]

        def next_id() -> str:
            counter[0] += 1
            return engine.format_issuance_id(counter[0] - 1)

        outcome = engine.decide_batch(
            customers,
            templates,
            requests,
            view,
            BatchContext(ctx.operator, ctx.business_date),
            next_id,
        )
        after = view.balance
        counts = _counts(checked, outcome)
        reason = ""
        if dry_run:
            reason = "dry run"
        elif all_or_nothing and outcome.refused:
            reason = f"all-or-nothing: {outcome.refused} row(s) refused"
        if not reason:
            progress("recording")
            uow.record_batch(
                BatchInfo(
                    "ingest", path.name, sha, ctx.operator, ctx.business_date, _flat_counts(counts)
                ),
                outcome,
            )
            uow.commit()
    recorded = not reason
    if not recorded:
        for d in outcome.decisions:
            if d.decision == engine.PENDING_APPROVAL:
                d.issuance_id = ""
    progress("writing outputs")
    result = IngestResult(
        path.name,
        recorded,
        counts,
        outcome.refused,
        before,
        after if recorded else before,
        out_dir / f"{path.stem}-decisions.xlsx",
        out_dir / f"{path.stem}-report.html",
        book.skipped,
        reason,
    )
    try:
        _write_ingest_outputs(ctx, book, checked, outcome, result, sha, after)
    except OSError as exc:
        if not recorded:
            raise OutputError(f"cannot write the outputs to {out_dir}: {exc}") from None
        raise OutputsNotWrittenError(
            f"{path.name}: the batch WAS recorded, but its outputs could not be written to "
            f"{out_dir} ({exc}); free the folder and run 'vouchers list' to see what was "
            "recorded (re-ingesting the workbook records nothing twice)"
        ) from None
    return result


def check_writable(folder: Path) -> None:
    """Fail before recording anything if the outputs could not be written."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise OutputError(
            f"cannot write to the output folder {folder} ({exc.strerror or exc}); nothing "
            "was recorded"
        ) from None


def _sheets(
    checked: dict[str, tuple[RawSheet, list[CheckedRow]]], name: str
) -> list[tuple[RawSheet, list[CheckedRow]]]:
    return [checked[name]] if name in checked else []


def _counts(
    checked: dict[str, tuple[RawSheet, list[CheckedRow]]], outcome: BatchOutcome
) -> dict[str, dict[str, int]]:
    titles = {sheet.title: name for name, (sheet, _rows) in checked.items()}
    tally: dict[str, Counter[str]] = {name: Counter() for name in checked}
    for d in outcome.decisions:
        tally[titles[d.sheet]][d.decision] += 1
    return {
        name: {decision: tally[name][decision] for decision in DECISIONS[name]} for name in checked
    }


def _flat_counts(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    return {f"{sheet}: {decision}": n for sheet, by in counts.items() for decision, n in by.items()}


# ---- outputs -------------------------------------------------------------------------

_EXTRA = {
    "Requests": ["Row", "Decision", "Reason", "Issuance ID", "Amount", "Remaining Quota"],
}
_KEY_COLUMN = {"Customers": "Customer UIN", "Templates": "Template Name", "Requests": "Request ID"}


def _decision_table(
    sheet: RawSheet, decisions: dict[int, RowDecision]
) -> tuple[Table, list[list[object]]]:
    extra = _EXTRA.get(sheet.spec.name, ["Row", "Decision", "Reason"])
    headers = [str(h) for h in sheet.headers] + extra
    table = Table(
        sheet.title, headers, [], [None] * len(sheet.headers) + ["0"] + [None] * (len(extra) - 1)
    )
    errors: list[list[object]] = []
    for i, raw in enumerate(sheet.rows):
        d = decisions[raw.row]
        values: list[object] = [*list(raw.values), raw.row, d.decision, d.reason]
        if sheet.spec.name == "Requests":
            values += [d.issuance_id, d.amount, d.remaining]
        table.rows.append(values)
        table.highlight.append(d.refused)
        notes: dict[int, list[str]] = {}
        for p in d.problems:
            pos = sheet.position(p.column) if p.column else None
            pos = 0 if pos is None else pos
            notes.setdefault(pos, []).append(p.message)
            errors.append(
                [
                    sheet.title,
                    raw.row,
                    sheet.cell_ref(pos, raw.row),
                    sheet.headers[pos],
                    raw.values[pos],
                    p.message,
                ]
            )
        for pos, messages in notes.items():
            table.comments[(i, pos)] = "\n".join(messages)
    return table, errors


def _summary_table(ctx: Context, result: IngestResult, sha: str, decided_after: Balance) -> Table:
    recorded = "yes" if result.recorded else f"no ({result.not_recorded_reason})"
    rows: list[list[object]] = [
        ["File", result.file_name],
        ["SHA-256", sha],
        ["Operator", ctx.operator],
        ["Business date", ctx.business_date],
        ["Ledger", ctx.ledger.name],
        ["Recorded", recorded],
    ]
    for sheet, by in result.counts.items():
        for decision, n in by.items():
            rows.append([f"{sheet}: {decision}", n])
    after = result.after if result.recorded else decided_after
    label = "after" if result.recorded else "after (if recorded)"
    for name, b, a in _quota_rows(result.before, after):
        rows.append([f"{name} before", b])
        rows.append([f"{name} {label}", a])
    if result.skipped:
        rows.append(["Hidden sheets skipped", ", ".join(result.skipped)])
    return Table("Summary", ["Item", "Value"], rows)


def _quota_rows(before: Balance, after: Balance) -> list[tuple[str, int, int]]:
    return [
        ("Quota", before.quota, after.quota),
        ("Issued", before.issued, after.issued),
        ("Remaining", before.remaining, after.remaining),
    ]


def _write_ingest_outputs(
    ctx: Context,
    book: RawBook,
    checked: dict[str, tuple[RawSheet, list[CheckedRow]]],
    outcome: BatchOutcome,
    result: IngestResult,
    sha: str,
    decided_after: Balance,
) -> None:
    by_sheet: dict[str, dict[int, RowDecision]] = {}
    for d in outcome.decisions:
        by_sheet.setdefault(d.sheet, {})[d.row] = d
    tables: list[Table] = []
    errors: list[list[object]] = []
    refused_rows: list[dict[str, object]] = []
    for sheet in book.sheets:
        decisions = by_sheet.get(sheet.title, {})
        table, sheet_errors = _decision_table(sheet, decisions)
        tables.append(table)
        errors.extend(sheet_errors)
        key_pos = sheet.position(_KEY_COLUMN[sheet.spec.name])
        for raw in sheet.rows:
            d = decisions[raw.row]
            if d.refused:
                key = raw.values[key_pos] if key_pos is not None else ""
                refused_rows.append(
                    {
                        "sheet": sheet.title,
                        "row": raw.row,
                        "key": "" if key is None else key,
                        "reason": d.reason,
                    }
                )
    tables.append(
        Table(
            "Errors",
            ["Sheet", "Row", "Cell", "Column", "Value", "Problem"],
            errors,
            [None, "0", None, None, None, None],
        )
    )
    tables.append(_summary_table(ctx, result, sha, decided_after))
    write_workbook(result.decisions_path, tables)
    after = result.after if result.recorded else decided_after
    render_html(
        "batch_report.html.j2",
        result.report_path,
        kind="Ingest" + (" (dry run)" if result.not_recorded_reason == "dry run" else ""),
        file_name=result.file_name,
        business_date=ctx.business_date.isoformat(),
        operator=ctx.operator,
        recorded_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        recorded=result.recorded,
        not_recorded_reason=result.not_recorded_reason,
        quota_rows=_quota_rows(result.before, after),
        counts=[(s, d, n) for s, by in result.counts.items() for d, n in by.items()],
        refused=refused_rows,
        skipped=result.skipped,
    )


# ---- quota and listings -----------------------------------------------------------------


def quota_show(ctx: Context) -> Balance:
    with ctx.ledger.unit_of_work() as uow:
        return uow.balance()


def quota_change(ctx: Context, kind: str, amount: int, by: str, ref: str, note: str) -> Balance:
    with ctx.ledger.unit_of_work(write=True) as uow:
        try:
            after = check_change(uow.balance(), kind, amount)
        except QuotaRuleError as exc:
            raise RuleError(f"quota {kind} refused: {exc}") from None
        uow.add_quota_entry(kind, amount, by, ref, note, ctx.operator, ctx.business_date)
        uow.commit()
    return after


@dataclass(frozen=True)
class TemplateListing:
    name: str
    usage: str
    payment_mode: str
    amount: int
    validity_period: str
    validity_start: str
    locked: bool
    issued_count: int


def templates_list(
    ctx: Context,
    name: str | None = None,
    usage: str | None = None,
    payment_mode: str | None = None,
    locked: bool | None = None,
) -> list[TemplateListing]:
    with ctx.ledger.unit_of_work() as uow:
        states = uow.templates()
    out = []
    for state in sorted(states.values(), key=lambda s: s.template.key):
        tpl = state.template
        if name and name_key(name) not in tpl.key:
            continue
        if usage and tpl.usage.value != usage:
            continue
        if payment_mode and tpl.payment_mode.value != payment_mode:
            continue
        if locked is not None and state.locked != locked:
            continue
        out.append(
            TemplateListing(
                tpl.name,
                tpl.usage.value,
                tpl.payment_mode.value,
                tpl.amount,
                str(tpl.validity),
                tpl.validity_start.label,
                state.locked,
                state.issued_count,
            )
        )
    return out


def vouchers_list(
    ctx: Context,
    status: str | None = None,
    customer: str | None = None,
    template: str | None = None,
) -> list[VoucherRecord]:
    with ctx.ledger.unit_of_work() as uow:
        return uow.vouchers(status, customer, name_key(template) if template else None)


def tty_progress(message: str) -> None:
    """Progress for people: on stderr, and only when stderr is a terminal."""
    if sys.stderr.isatty():
        print(f"voucher-batch: {message}...", file=sys.stderr, flush=True)
