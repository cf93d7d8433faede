"""`review export` and `review import`."""

from __future__ import annotations

from pathlib import Path

import click

from .app import context_of, main, out_dir_option, say
from .options import calendar_option
from .progress import terminal_progress
from .results import export_document, import_document, print_json, recorded_then_failed


@main.group()
def review() -> None:
    """Export pending issuances for review; import the reviewers' decisions.

    \b
    Example:
      voucher-batch review export --out-dir review
      voucher-batch review import review/review-2026-11-02.xlsx --reviewer reviewer.one
    """


@review.command("export")
@out_dir_option("Folder for review-<as-of>.xlsx.")
@calendar_option()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (see README).")
@click.pass_context
def review_export(ctx: click.Context, out_dir: Path, calendar: str | None, as_json: bool) -> None:
    """Write review-<as-of>.xlsx with every pending issuance.

    \b
    Example:
      voucher-batch review export --calendar CN --out-dir review
    """
    from ..services.review_export import review_export as export

    with terminal_progress() as progress:
        result = export(context_of(ctx), out_dir, calendar, progress)
    if as_json:
        print_json(export_document(result))
        return
    say(
        f"{result.rows:,} pending issuance(s), {result.overdue:,} overdue; "
        f"export {result.export_id}"
    )
    say(f"review workbook: {result.path}")


@review.command("import")
@click.argument("workbook", type=click.Path(path_type=Path))
@out_dir_option("Folder for the decision workbook and the report.")
@click.option("--reviewer", metavar="NAME", help="Reviewer of rows whose Reviewer cell is blank.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (see README).")
@click.pass_context
def review_import(
    ctx: click.Context, workbook: Path, out_dir: Path, reviewer: str | None, as_json: bool
) -> None:
    """Apply the decisions of a review workbook (R10).

    \b
    Example:
      voucher-batch review import review-2026-11-02.xlsx --reviewer reviewer.one
    """
    from ..services.review import review_import as run_import

    with (
        recorded_then_failed("review import", workbook.name, as_json),
        terminal_progress() as progress,
    ):
        result = run_import(context_of(ctx), workbook, out_dir, reviewer, progress)
    if as_json:
        for note in result.notes:
            say(f"voucher-batch: note: {note}", err=True)
        print_json(import_document(result))
        ctx.exit(result.exit_code)
    parts = ", ".join(f"{n:,} {d.lower()}" for d, n in result.counts.items() if n)
    say(f"Review: {parts or 'no rows'}")
    for note in result.notes:
        say(f"note: {note}")
    say(f"recorded; remaining quota {result.before.remaining:,} -> {result.after.remaining:,}")
    say(f"decisions: {result.decisions_path}")
    say(f"report:    {result.report_path}")
    ctx.exit(result.exit_code)
