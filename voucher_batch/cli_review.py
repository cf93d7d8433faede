"""Commands of the review loop and the checks: `review export|import`, `report monthly`,
`ledger verify`. Thin like the rest of the command line: parse, call a service, print."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import services
from .cli import _context, _print_balance, main, out_dir_option


@main.group()
def review() -> None:
    """Export pending issuances for review; import the reviewers' decisions."""


@review.command("export")
@out_dir_option("Folder for review-<as-of>.xlsx.")
@click.option("--calendar", help="Country code for business days (e.g. CN, SG, HK).")
@click.pass_context
def review_export(ctx: click.Context, out_dir: Path, calendar: str | None) -> None:
    """Write review-<as-of>.xlsx with every pending issuance."""
    from .reviews import review_export as export

    result = export(_context(ctx), out_dir, calendar, services.tty_progress)
    click.echo(
        f"{result.rows} pending issuance(s), {result.overdue} overdue; export {result.export_id}"
    )
    click.echo(f"review workbook: {result.path}")


@review.command("import")
@click.argument("workbook", type=click.Path(path_type=Path))
@out_dir_option("Folder for the decision workbook and the report.")
@click.option("--reviewer", help="Reviewer of rows whose Reviewer cell is blank.")
@click.pass_context
def review_import(ctx: click.Context, workbook: Path, out_dir: Path, reviewer: str | None) -> None:
    """Apply the decisions of a review workbook (R10)."""
    from .reviews import review_import as run_import

    result = run_import(_context(ctx), workbook, out_dir, reviewer, services.tty_progress)
    parts = ", ".join(f"{n} {d.lower()}" for d, n in result.counts.items() if n)
    click.echo(f"Review: {parts or 'no rows'}")
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(
        f"recorded; remaining quota {result.before.remaining:,} -> {result.after.remaining:,}"
    )
    click.echo(f"decisions: {result.decisions_path}")
    click.echo(f"report:    {result.report_path}")
    ctx.exit(result.exit_code)


@main.group()
def report() -> None:
    """Quota reports."""


@report.command()
@click.option("--month", required=True, help="The month, YYYY-MM.")
@out_dir_option("Folder for quota-<month>.html and .xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Also print the figures as JSON.")
@click.option("--calendar", help="Country code for business days (e.g. CN, SG, HK).")
@click.pass_context
def monthly(
    ctx: click.Context, month: str, out_dir: Path, as_json: bool, calendar: str | None
) -> None:
    """Write the monthly quota report (HTML with charts, and xlsx)."""
    from .monthly import report_monthly

    result = report_monthly(_context(ctx), month, out_dir, calendar, services.tty_progress)
    if as_json:
        click.echo(json.dumps(result.report.as_json()))
    else:
        f = result.report.figures
        click.echo(
            f"{f.month}: quota {f.opening_quota:,} -> {f.closing_quota:,}; remaining "
            f"{f.opening_remaining:,} -> {f.closing_remaining:,}; requested {f.requested:,}, "
            f"approved {f.approved:,}, rejected {f.rejected:,}, pending {f.pending_end:,}"
        )
        click.echo(f"report:   {result.html_path}")
        click.echo(f"workbook: {result.xlsx_path}")


@main.group(name="ledger")
def ledger_group() -> None:
    """Check the ledger."""


@ledger_group.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def verify(ctx: click.Context, as_json: bool) -> None:
    """Recompute balances and statuses from the entries; exit 1 if an invariant fails."""
    report = services.ledger_verify(_context(ctx))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "sound": report.sound,
                    "entries": report.entries,
                    "balance": report.balance.as_dict(),
                    "findings": report.findings,
                }
            )
        )
    else:
        for finding in report.findings:
            click.echo(f"finding: {finding}")
        state = "sound" if report.sound else f"{len(report.findings)} finding(s)"
        click.echo(f"ledger {_context(ctx).ledger.name}: {report.entries} entries checked, {state}")
        _print_balance(report.balance)
    ctx.exit(0 if report.sound else 1)
