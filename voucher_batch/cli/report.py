"""`report monthly`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .app import context_of, main, out_dir_option, say
from .options import Month, calendar_option
from .progress import terminal_progress


@main.group()
def report() -> None:
    """Quota reports.

    \b
    Example:
      voucher-batch report monthly --month 2026-11
    """


@report.command()
@click.option("--month", type=Month(), required=True, help="The month of the report.")
@out_dir_option("Folder for quota-<month>.html and .xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Also print the figures as JSON.")
@calendar_option()
@click.pass_context
def monthly(
    ctx: click.Context, month: str, out_dir: Path, as_json: bool, calendar: str | None
) -> None:
    """Write the monthly quota report (HTML with charts, and xlsx).

    \b
    Example:
      voucher-batch report monthly --month 2026-11 --calendar CN --out-dir reports
    """
    from ..services.monthly import report_monthly

    with terminal_progress() as progress:
        result = report_monthly(context_of(ctx), month, out_dir, calendar, progress)
    if as_json:
        document = {
            **result.as_json(),
            "outputs": {
                "html": str(result.html_path.resolve()),
                "xlsx": str(result.xlsx_path.resolve()),
            },
            "exit_code": 0,
        }
        say(json.dumps(document))
    else:
        f = result.report.figures
        say(
            f"{f.month}: quota {f.opening_quota:,} -> {f.closing_quota:,}; remaining "
            f"{f.opening_remaining:,} -> {f.closing_remaining:,}; requested {f.requested:,}, "
            f"approved {f.approved:,}, rejected {f.rejected:,}, pending {f.pending_end:,}"
        )
        say(f"report:   {result.html_path}")
        say(f"workbook: {result.xlsx_path}")
