"""`report monthly`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..services.monthly import report_monthly
from .app import context_of, main, out_dir_option, say, tty_progress


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
    result = report_monthly(context_of(ctx), month, out_dir, calendar, tty_progress)
    if as_json:
        say(json.dumps(result.as_json()))
    else:
        f = result.report.figures
        say(
            f"{f.month}: quota {f.opening_quota:,} -> {f.closing_quota:,}; remaining "
            f"{f.opening_remaining:,} -> {f.closing_remaining:,}; requested {f.requested:,}, "
            f"approved {f.approved:,}, rejected {f.rejected:,}, pending {f.pending_end:,}"
        )
        say(f"report:   {result.html_path}")
        say(f"workbook: {result.xlsx_path}")
