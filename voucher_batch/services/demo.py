"""`voucher-batch demo`: the whole flow on the sample sheets against a fresh ledger.

The demo uses a fixed business date so that its sample requests (whose estimated
conversion dates lie in 2027) decide the same way whenever it runs; `--as-of` overrides it.

The demo works only in a folder of its own (R17): an empty or missing one, or one it marked
(`.voucher-batch-demo` lists every file it wrote, with its sha256). A re-run clears exactly
those files, and only while they are unchanged; a folder holding anything else - a ledger,
a reports folder, a file someone edited - is refused before anything is done.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from ..atomic import remove_stale_temps, temp_path
from ..domain.vocabulary import ReviewAction
from ..errors import OutputsNotWrittenError, VoucherBatchError
from ..ledger import Ledger
from . import after_commit
from .context import Context
from .ingest import ingest
from .monthly import report_monthly
from .names import sha256_of
from .queries import templates_list, vouchers_list
from .quota import QuotaChangeKind, quota_change
from .review import review_import
from .review_export import review_export
from .vouchers import vouchers_link, vouchers_sync, vouchers_usage

DEMO_DATE = date(2026, 11, 2)
SAMPLE = "partner-ops-batch.xlsx"
# what the partner console exports for the demo's approved vouchers (sample_sheets/build_console.py)
CONSOLE_VOUCHERS, CONSOLE_USAGE = "console-vouchers.xlsx", "console-usage.xlsx"
CONSOLE_DAY = 20  # days after the demo date: the console exports are read then
DEMO_QUOTA = 110_000
MARKER = ".voucher-batch-demo"


class DemoFolderError(VoucherBatchError):
    """The demo folder holds something the demo did not write; nothing was done."""


def sample_workbook(name: str = SAMPLE) -> Path:
    """The sample workbook: packaged in a wheel, or beside the package in a checkout."""
    packaged = resources.files("voucher_batch") / "sample_sheets" / name
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "sample_sheets" / name


def _contents(directory: Path) -> tuple[set[str], set[str]]:
    """(files, folders) under `directory`, relative, links counted as files, not followed."""
    files: set[str] = set()
    folders: set[str] = set()
    for root, dirs, names in os.walk(directory, followlinks=False):
        base = Path(root).relative_to(directory)
        for d in list(dirs):
            if (Path(root) / d).is_symlink():
                dirs.remove(d)
                files.add((base / d).as_posix())
            else:
                folders.add((base / d).as_posix())
        files.update((base / n).as_posix() for n in names)
    files.discard(MARKER)
    return files, folders


def _refuse(directory: Path, why: str) -> DemoFolderError:
    return DemoFolderError(
        f"demo folder {directory} {why}; the demo only works in an empty folder or one it "
        "made itself - choose another --dir (nothing was done)"
    )


def _claim(directory: Path) -> None:
    """Check, before doing anything, that the folder is the demo's own; clear what an
    earlier demo run wrote there."""
    if directory.exists() and not directory.is_dir():
        raise _refuse(directory, "is not a folder")
    if not directory.exists():
        return
    if not (directory / MARKER).exists():  # refused at a glance: never walk a stranger's tree
        example = next(iter(sorted(p.name for p in directory.iterdir())), None)
        if example is not None:
            raise _refuse(directory, f"holds files the demo did not write (e.g. {example})")
        return
    for folder in [directory, *(p for p in directory.rglob("*") if p.is_dir())]:
        remove_stale_temps(folder)  # left by a killed run; a live run's stay (and refuse)
    files, folders = _contents(directory)
    try:
        marker = json.loads((directory / MARKER).read_text(encoding="utf-8"))
        written: dict[str, str] = dict(marker["files"])
        made: list[str] = list(marker["folders"])
    except (OSError, ValueError, KeyError, TypeError):
        raise _refuse(directory, f"has a {MARKER} file the demo cannot read") from None
    strangers = sorted(files - set(written)) + sorted(folders - set(made))
    if strangers:
        raise _refuse(directory, f"holds files the demo did not write (e.g. {strangers[0]})")
    for name in sorted(files):
        if sha256_of(directory / name) != written[name]:
            raise _refuse(directory, f"holds {name}, changed since the demo wrote it")
    for name in sorted(files):
        (directory / name).unlink()
    for name in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        (directory / name).rmdir()


def _mark(directory: Path) -> None:
    """List what the demo wrote (everything now in its folder: it was empty before)."""
    files, folders = _contents(directory)
    listing = {
        "files": {name: sha256_of(directory / name) for name in sorted(files)},
        "folders": sorted(folders),
    }
    tmp = temp_path(directory, ".json")
    tmp.write_text(json.dumps(listing, indent=1), encoding="utf-8")
    os.replace(tmp, directory / MARKER)


def run_demo(
    directory: Path, operator: str, as_of: date | None, echo: Callable[[str], None]
) -> int:
    directory = directory.expanduser().resolve()
    _claim(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _mark(directory)
    ledger = Ledger(str(directory / "voucher-ledger.sqlite3"))
    try:
        return _run(directory, ledger, operator, as_of, echo)
    except VoucherBatchError as exc:
        if after_commit.last() is None:
            raise
        raise _recorded(directory, exc.message) from None
    except BaseException as exc:
        if after_commit.last() is None or isinstance(exc, VoucherBatchError | SystemExit):
            raise
        raise _recorded(directory, after_commit.cause(exc)) from None
    finally:
        ledger.dispose()  # closed, so no -wal/-shm file is left beside it
        with contextlib.suppress(OSError):  # the run's own error matters more
            _mark(directory)


def _recorded(directory: Path, what: str) -> OutputsNotWrittenError:
    return OutputsNotWrittenError(
        f"demo: the demo ledger in {directory} WAS recorded, but the demo then stopped "
        f"({what}); run 'voucher-batch demo --dir {directory}' again to start it afresh"
    )


def _run(
    directory: Path,
    ledger: Ledger,
    operator: str,
    as_of: date | None,
    echo: Callable[[str], None],
) -> int:
    # one script on purpose: the demo's steps read top to bottom in the order they run
    ledger_path = directory / "voucher-ledger.sqlite3"
    ctx = Context(ledger, operator, as_of or DEMO_DATE)
    echo(f"1. ledger {ctx.ledger.init()}: {ledger_path}")
    balance = quota_change(
        ctx, QuotaChangeKind.GRANT, DEMO_QUOTA, "sales.rep", "QUOTA-2026-11", "demo quota"
    )
    echo(f"2. quota granted by sales.rep: {balance.quota:,}")
    workbook = sample_workbook()
    first = ingest(ctx, workbook, directory / "reports")
    echo(f"3. ingested {workbook.name} as of {ctx.business_date}: {_counts(first.counts)}")
    echo(f"   remaining quota {first.before.remaining:,} -> {first.after.remaining:,}")
    again = ingest(ctx, workbook, directory / "reports" / "replay")
    echo(
        f"4. re-ingested the same workbook: {_counts(again.counts)} "
        f"(remaining still {again.after.remaining:,})"
    )
    review_day = Context(ctx.ledger, operator, ctx.business_date + timedelta(days=3))
    exported = review_export(review_day, directory / "reports")
    filled = scripted_review(exported.path, directory / "reports" / "review-filled.xlsx")
    reviewed = review_import(review_day, filled, directory / "reports", reviewer="reviewer.one")
    echo(
        f"5. reviewed {exported.rows:,} pending issuances as reviewer.one: "
        + ", ".join(f"{n:,} {d.lower()}" for d, n in reviewed.counts.items() if n)
        + f" (remaining quota {reviewed.after.remaining:,})"
    )
    console_day = Context(ctx.ledger, operator, ctx.business_date + timedelta(days=CONSOLE_DAY))
    exports = sample_workbook(CONSOLE_VOUCHERS)
    linked = vouchers_link(console_day, exports, directory / "reports")
    synced = vouchers_sync(console_day, exports, directory / "reports")
    usage = vouchers_usage(console_day, sample_workbook(CONSOLE_USAGE), directory / "reports")
    echo(
        "6. console vouchers as of "
        f"{console_day.business_date}: "
        + "; ".join(
            f"{what} " + ", ".join(f"{n} {d.lower()}" for d, n in done.counts.items() if n)
            for what, done in (("link", linked), ("sync", synced), ("usage", usage))
        )
    )
    month_end = Context(ctx.ledger, operator, ctx.business_date.replace(day=30))
    monthly = report_monthly(month_end, f"{ctx.business_date:%Y-%m}", directory / "reports")
    f = monthly.report.figures
    echo(
        f"7. monthly report {f.month}: requested {f.requested:,}, approved {f.approved:,}, "
        f"rejected {f.rejected:,}, closing remaining {f.closing_remaining:,}; "
        f"vouchers used {monthly.follow_up.used:,} of {monthly.follow_up.approved:,}"
    )
    templates = templates_list(ctx)
    locked = sum(t.locked for t in templates)
    echo(f"8. templates: {len(templates)} ({locked} locked by issuances)")
    pending = vouchers_list(ctx, status="pending")
    echo(f"9. vouchers still pending: {len(pending)}, {sum(v.amount for v in pending):,} reserved")
    echo("outputs:")
    echo(f"  ledger:     {ledger_path}")
    echo(f"  decisions:  {first.decisions_path}")
    echo(f"  report:     {first.report_path}")
    echo(f"  replay:     {again.decisions_path}")
    echo(f"  review:     {exported.path} -> {reviewed.decisions_path}")
    echo(f"  console:    {linked.decisions_path}")
    echo(f"              {synced.decisions_path}")
    echo(f"              {usage.decisions_path}")
    echo(f"  monthly:    {monthly.html_path}")
    echo(f"              {monthly.xlsx_path}")
    return 0


def scripted_review(exported: Path, filled: Path) -> Path:
    """What a reviewer does: approve most, reject a few with a reason, leave some open."""
    import openpyxl

    wb = openpyxl.load_workbook(exported)
    ws = wb["Review"]
    header = [c.value for c in ws[4]]
    decision, comment = header.index("Decision") + 1, header.index("Review Comment") + 1
    for n, row in enumerate(range(5, ws.max_row + 1)):
        if n % 7 == 3:
            ws.cell(row, decision).value = ReviewAction.REJECT.label
            ws.cell(row, comment).value = "Revenue estimate not credible yet"
        elif n % 7 != 6:
            ws.cell(row, decision).value = ReviewAction.APPROVE.label
    wb.save(filled)
    return filled


def _counts(counts: dict[str, dict[str, int]]) -> str:
    return "; ".join(
        f"{sheet} " + ", ".join(f"{n:,} {d.lower()}" for d, n in by.items() if n)
        for sheet, by in counts.items()
    )
