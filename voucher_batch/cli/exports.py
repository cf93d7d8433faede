"""`templates export` and `vouchers export`: the ledger's state as a workbook."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .app import context_of, out_dir_option, say
from .lists import templates, voucher_filter_values, voucher_filters, vouchers
from .output import given_as_of


@templates.command("export")
@out_dir_option("Folder for the workbook.")
@click.pass_context
def templates_export_command(ctx: click.Context, out_dir: Path) -> None:
    """Write every template to templates-<as-of>.xlsx, laid out as a Templates sheet
    (send it back as input and every row is Unchanged). A file someone may have changed
    is never replaced: the next free name is used.

    \b
    Example:
      voucher-batch templates export --out-dir reports
    """
    from ..services.exports import templates_export

    path, count = templates_export(context_of(ctx), out_dir, given_as_of(ctx))
    say(f"{count:,} template(s)", err=True)
    say(str(path))


@vouchers.command("export")
@out_dir_option("Folder for the workbook.")
@voucher_filters
@click.pass_context
def vouchers_export_command(
    ctx: click.Context,
    out_dir: Path,
    status: str | None,
    customer: str | None,
    template: str | None,
    requested_from: date | None,
    requested_to: date | None,
    decided_from: date | None,
    decided_to: date | None,
) -> None:
    """Write the issuances (filtered as `vouchers list`) to vouchers-<as-of>.xlsx. A file
    someone may have changed is never replaced: the next free name is used.

    \b
    Example:
      voucher-batch vouchers export --status approved --out-dir reports
    """
    from ..services.exports import VoucherFilter, vouchers_export

    which = VoucherFilter(
        *voucher_filter_values(
            status, customer, template, requested_from, requested_to, decided_from, decided_to
        )
    )
    path, count = vouchers_export(context_of(ctx), out_dir, which, given_as_of(ctx))
    say(f"{count:,} voucher(s)", err=True)
    say(str(path))
