"""`ingest`, `sheets blank` and `demo`."""

from __future__ import annotations

from pathlib import Path

import click

from .app import context_of, main, out_dir_option, say
from .progress import terminal_progress
from .results import ingest_document, print_json, recorded_then_failed


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@out_dir_option("Folder for the decision workbook and the report.")
@click.option("--dry-run", is_flag=True, help="Decide and write outputs, record nothing.")
@click.option(
    "--all-or-nothing", is_flag=True, help="Record nothing (exit 2) if any row is refused."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (see README).")
@click.pass_context
def ingest(
    ctx: click.Context,
    workbook: Path,
    out_dir: Path,
    dry_run: bool,
    all_or_nothing: bool,
    as_json: bool,
) -> None:
    """Apply the Customers, Templates and Requests sheets of WORKBOOK.

    \b
    Example:
      voucher-batch ingest partner-batch.xlsx --out-dir reports
      voucher-batch ingest partner-batch.xlsx --dry-run --json
    """
    from ..services.ingest import ingest as run_ingest

    with recorded_then_failed("ingest", workbook.name, as_json), terminal_progress() as progress:
        result = run_ingest(context_of(ctx), workbook, out_dir, dry_run, all_or_nothing, progress)
    if as_json:
        print_json(ingest_document(result))
        ctx.exit(result.exit_code)
    for sheet, by in result.counts.items():
        parts = ", ".join(f"{n:,} {d.lower()}" for d, n in by.items() if n)
        say(f"{sheet}: {parts or 'no rows'}")
    state = "recorded" if result.recorded else f"nothing recorded ({result.not_recorded_reason})"
    say(f"{state}; remaining quota {result.before.remaining:,} -> {result.after.remaining:,}")
    say(f"decisions: {result.decisions_path}")
    say(f"report:    {result.report_path}")
    ctx.exit(result.exit_code)


@main.group()
def sheets() -> None:
    """Workbooks to fill in.

    \b
    Example:
      voucher-batch sheets blank --out-dir forms
    """


@sheets.command()
@out_dir_option("Folder for the blank workbook.")
@click.option(
    "--empty",
    is_flag=True,
    help="Leave out the ledger's customers and templates (the ledger is not read).",
)
@click.pass_context
def blank(ctx: click.Context, out_dir: Path, empty: bool) -> None:
    """Write an empty input workbook with headers, checks, dropdowns and instructions.

    When the ledger exists, the Requests sheet offers its bound customers and templates as
    dropdowns (listed, with names, on the Ledger sheet); --empty leaves them out. An
    existing workbook is never replaced: the next free name is used
    (voucher-batch-input-2.xlsx, ...).

    \b
    Example:
      voucher-batch sheets blank --out-dir forms
    """
    from ..services.blank import sheets_blank

    written = sheets_blank(context_of(ctx), out_dir, from_ledger=not empty)
    if written.lists is not None:
        say(
            f"lists from the ledger: {len(written.lists.customers):,} bound customer(s), "
            f"{len(written.lists.templates):,} template(s)",
            err=True,
        )
    else:
        say(f"note: {written.note}", err=True)
    say(str(written.path))


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    metavar="DIR",
    default=Path("build/demo"),
    show_default=True,
    help="Folder for the demo ledger and outputs: empty, missing, or the demo's own from an "
    "earlier run (only what the demo wrote there is cleared).",
)
@click.pass_context
def demo(ctx: click.Context, directory: Path) -> None:
    """Run the whole flow on the sample sheets against a fresh ledger in DIR.

    \b
    Example:
      voucher-batch demo --dir build/demo
    """
    from ..services.demo import run_demo

    as_of_source = ctx.find_root().get_parameter_source("as_of")
    given = bool(ctx.meta.get("as_of_given")) or (
        as_of_source is not None and as_of_source.name != "DEFAULT"
    )
    code = run_demo(
        directory,
        context_of(ctx).operator,
        context_of(ctx).business_date if given else None,
        say,
    )
    ctx.exit(code)
