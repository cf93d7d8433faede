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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import after_commit, checkpoints
from .domain import engine
from .domain.engine import (
    BatchContext,
    BatchOutcome,
    LedgerView,
)
from .domain.identity import unsafe_identity_message
from .domain.model import (
    name_key,
)
from .domain.quota import Balance, QuotaRuleError, check_change, limit_from
from .domain.verify import Report as VerifyReport
from .errors import OutputError, OutputsNotWrittenError, RuleError, VoucherBatchError
from .ledger import BatchInfo, Ledger, VoucherRecord

if TYPE_CHECKING:  # the reading and checking stack (pandas, pandera) loads only for ingest
    from .batch_outputs import BatchFacts
    from .domain.problems import Decided
    from .workbook.reader import RawSheet
    from .workbook.validation import CheckedRow

DECISIONS = {
    "Customers": (engine.ADDED, engine.UPDATED, engine.UNCHANGED, engine.REFUSED),
    "Templates": (engine.CREATED, engine.UPDATED, engine.UNCHANGED, engine.REFUSED),
    "Requests": (engine.PENDING_APPROVAL, engine.ALREADY_SUBMITTED, engine.REFUSED),
}

Progress = Callable[[str], None]


def no_progress(_message: str) -> None:
    return None


@dataclass(frozen=True)
class Context:
    ledger: Ledger
    operator: str
    business_date: date

    def __post_init__(self) -> None:
        message = unsafe_identity_message("the operator name", self.operator)
        if message:
            raise RuleError(message)


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
    batch_id: int | None = None

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


# ---- ingest --------------------------------------------------------------------------


def ingest(
    ctx: Context,
    path: Path,
    out_dir: Path,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: Progress = no_progress,
) -> IngestResult:
    from .batch_history import keep_batch
    from .batch_outputs import BatchFacts
    from .workbook.reader import read_workbook
    from .workbook.records import customer_row, request_row, template_row
    from .workbook.validation import check_sheet

    out_dir = prepare_outputs(ctx, out_dir)
    check_batch_names(out_dir, path.stem)
    progress(f"reading {path.name}")
    checkpoints.reached("reading")
    book = read_workbook(path)
    sha = file_sha256(path)
    progress("checking cells")
    checked = {sheet.spec.name: (sheet, check_sheet(sheet)) for sheet in book.sheets}
    customers = [customer_row(title, r) for title, r in _rows(checked, "Customers")]
    templates = [template_row(title, r) for title, r in _rows(checked, "Templates")]
    requests = [request_row(title, r) for title, r in _rows(checked, "Requests")]

    progress("deciding")
    recorded_at = None
    batch_id: int | None = None
    with ctx.ledger.unit_of_work(write=not dry_run) as uow:
        checkpoints.reached("deciding")
        before = uow.balance()
        view = LedgerView(
            before,
            uow.customers(),
            uow.templates(),
            uow.requests(r.request_id for r in requests if r.request_id),
            limit_from(uow.remaining_deltas(), ctx.business_date) if requests else None,
            uow.totals(),
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
            kept = keep_batch(
                "Ingest", counts, before, after, book.skipped, book.sheets, outcome.decisions
            )
            new_id = uow.record_batch(
                BatchInfo(
                    "ingest",
                    path.name,
                    sha,
                    ctx.operator,
                    ctx.business_date,
                    _flat_counts(counts),
                    kept,
                ),
                outcome,
            )
            recorded_at = uow.recorded_at
            checkpoints.reached("recording")
            uow.commit()
            batch_id = new_id
    if batch_id is not None:  # the transaction is committed once the unit of work has closed
        after_commit.mark(
            after_commit.Committed(
                path.name,
                batch_id,
                out_dir,
                after_commit.rerun_command("ingest", path, "--out-dir", out_dir),
            )
        )
    recorded = not reason
    if not recorded:
        for d in outcome.decisions:
            if d.decision == engine.PENDING_APPROVAL:
                d.issuance_id = ""
    progress("writing outputs")
    facts = BatchFacts(
        "Ingest",
        path.name,
        sha,
        ctx.operator,
        ctx.business_date,
        ctx.ledger.name,
        recorded,
        reason,
        counts,
        before,
        after,
        out_dir / f"{path.stem}-decisions.xlsx",
        out_dir / f"{path.stem}-report.html",
        book.skipped,
        recorded_at=recorded_at,
    )
    decisions_path, report_path = write_batch_files(
        out_dir, path.stem, facts, book.sheets, outcome.decisions, batch_id
    )
    return IngestResult(
        path.name,
        recorded,
        counts,
        outcome.refused,
        before,
        after if recorded else before,
        decisions_path,
        report_path,
        book.skipped,
        reason,
        batch_id,
    )


def batch_file_names(stem: str) -> Callable[[str], tuple[str, str]]:
    """The names of a batch's two outputs for a name tag ("" is the contract's name)."""
    return lambda tag: (f"{stem}{tag}-decisions.xlsx", f"{stem}{tag}-report.html")


def check_batch_names(out_dir: Path, stem: str) -> None:
    """Before anything is recorded: the outputs of this batch will get names the folder
    can hold, whichever name the batch ends up needing (R17, R18)."""
    import os

    from .output_names import LONGEST_BATCH_ID, counted, name_max, pick_pair

    names = batch_file_names(stem)
    longest = max(
        [*names(""), *names(f"-batch-{LONGEST_BATCH_ID}")], key=lambda n: len(os.fsencode(n))
    )
    limit = name_max(out_dir)
    if len(os.fsencode(longest)) > limit:
        room = limit - (len(os.fsencode(longest)) - len(os.fsencode(stem)))
        raise OutputError(
            f"the workbook name '{stem[:40]}...' ({len(os.fsencode(stem))} bytes) is too long "
            f"for its output names in {out_dir}, which may have at most {limit} bytes "
            f"(e.g. '<name>-batch-<id>-decisions.xlsx'); give the workbook a shorter file "
            f"name (at most {room} bytes before .xlsx); nothing was recorded"
        )
    pick_pair(out_dir, names, counted("", f"-batch-{LONGEST_BATCH_ID}"))


def write_batch_files(
    out_dir: Path,
    stem: str,
    facts: BatchFacts,
    sheets: list[RawSheet],
    decisions: Sequence[Decided],
    batch_id: int | None,
) -> tuple[Path, Path]:
    """Write a batch's decision workbook and report under names that replace nothing a
    person may own (see `output_names`): the contract's names when free, else
    `-batch-<id>` for a recorded batch, `-dry-run` / `-not-recorded` for one that recorded
    nothing. After a commit, any failure says the batch WAS recorded (exit 1)."""
    from .batch_outputs import build_batch_outputs
    from .output_names import DRY_RUN, NOT_RECORDED, RECORDED, counted, write_pair

    if batch_id is not None:
        kind, tag = RECORDED, f"-batch-{batch_id}"
    elif facts.not_recorded_reason == "dry run":
        kind, tag = DRY_RUN, "-dry-run"
    else:
        kind, tag = NOT_RECORDED, "-not-recorded"
    try:
        if batch_id is not None:
            checkpoints.reached("committed")
        outputs = build_batch_outputs(facts, sheets, decisions)
        pair = write_pair(
            out_dir,
            batch_file_names(stem),
            lambda: counted("", tag),
            kind,
            outputs.write_decisions,
            outputs.write_report,
        )
    except BaseException as exc:
        batch = after_commit.last()
        if batch_id is None or batch is None:
            if isinstance(exc, Exception) and not isinstance(exc, VoucherBatchError):
                raise OutputError(
                    f"cannot write the outputs to {out_dir} ({after_commit.cause(exc)}); "
                    "nothing was recorded"
                ) from None
            raise
        raise OutputsNotWrittenError(
            after_commit.recorded_message(
                batch,
                f"its outputs could not be written to {out_dir} ({after_commit.cause(exc)})",
            )
        ) from None
    return pair.first, pair.second


def prepare_outputs(ctx: Context, out_dir: Path) -> Path:
    """Before any work: the ledger exists at this schema version and the output folder can
    be written. Returns the folder with `~` expanded."""
    ctx.ledger.require()
    folder = out_dir.expanduser()
    check_writable(folder)
    return folder


def check_writable(folder: Path) -> None:
    """Fail before recording anything if the outputs could not be written; clear what runs
    killed while writing here left behind (their temporary files only)."""
    import os

    from .atomic import remove_stale_temps, temp_path

    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(folder)
        probe = temp_path(folder)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        raise OutputError(
            f"cannot write to the output folder {folder} ({exc.strerror or exc}); nothing "
            "was recorded"
        ) from None


def _rows(
    checked: dict[str, tuple[RawSheet, list[CheckedRow]]], name: str
) -> list[tuple[str, CheckedRow]]:
    """The checked rows of the sheet `name` (if the workbook has it), with its title."""
    if name not in checked:
        return []
    sheet, rows = checked[name]
    return [(sheet.title, row) for row in rows]


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


# ---- quota and listings -----------------------------------------------------------------


def quota_show(ctx: Context) -> Balance:
    with ctx.ledger.unit_of_work() as uow:
        return uow.balance()


@dataclass(frozen=True)
class QuotaOutcome:
    balance: Balance
    already_recorded: bool  # the same change was recorded before under the same --ref (R16)


def quota_change(ctx: Context, kind: str, amount: int, by: str, ref: str, note: str) -> Balance:
    return quota_apply(ctx, kind, amount, by, ref, note).balance


def quota_apply(ctx: Context, kind: str, amount: int, by: str, ref: str, note: str) -> QuotaOutcome:
    """Record a grant or reclaim, checked at its business date and every later one (R1, R14);
    a `ref` already recorded makes a retry safe (R16)."""
    for what, text in (("--by", by), ("--ref", ref)):
        message = unsafe_identity_message(what, text)
        if message:
            raise RuleError(f"quota {kind} refused: {message}")
    with ctx.ledger.unit_of_work(write=True) as uow:
        balance = uow.balance()
        earlier = uow.quota_entry_by_ref(ref) if ref.strip() else None
        if earlier is not None:
            if earlier.kind == kind and earlier.amount == amount:
                return QuotaOutcome(balance, already_recorded=True)
            raise RuleError(
                f"quota {kind} refused: the reference '{ref}' is already recorded for a "
                f"{earlier.kind} of {earlier.amount:,} on {earlier.business_date.isoformat()}; "
                "use a new --ref for a new change (R16)"
            )
        try:
            after = check_change(
                balance,
                kind,
                amount,
                limit_from(uow.remaining_deltas(), ctx.business_date),
                uow.totals(),
                ctx.business_date,
            )
        except QuotaRuleError as exc:
            raise RuleError(f"quota {kind} refused: {exc}") from None
        uow.add_quota_entry(kind, amount, by, ref, note, ctx.operator, ctx.business_date)
        uow.commit()
    return QuotaOutcome(after, already_recorded=False)


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


def ledger_verify(ctx: Context) -> VerifyReport:
    """Recompute every balance and status from the entries and check the invariants."""
    from .domain.verify import verify

    with ctx.ledger.unit_of_work() as uow:
        entries = uow.entries_for_verify()
        shown = uow.balance()
    report = verify(**entries)
    if report.balance != shown:
        report.findings.append(
            f"the balance the ledger reports {shown.as_dict()} differs from the recomputation "
            f"{report.balance.as_dict()}"
        )
    return report


def tty_progress(message: str) -> None:
    """Progress for people: on stderr, and only when stderr is a terminal."""
    if sys.stderr.isatty():
        print(f"voucher-batch: {message}...", file=sys.stderr, flush=True)
