"""`templates list`, `vouchers list`, `customers list` and `quota history`: the ledger's
contents for people (a table), scripts (`--json`) and spreadsheets (`--csv`), as they stand or
as of the business date `--as-of` names."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date
from typing import Any

import click

from ..services.vocabulary import LABELS
from .app import context_of, main
from .options import DropdownChoice, IsoDate
from .output import Column, emit, given_as_of, output_options
from .quota import quota


def _label(kind: str) -> Any:
    return lambda code: LABELS[kind].get(code, code)


TEMPLATE_COLUMNS = (
    Column("name", "Template Name"),
    Column("usage", "Usage", _label("usage")),
    Column("payment_mode", "Payment Mode", _label("payment_mode")),
    Column("amount", "Amount"),
    Column("validity_period", "Validity Period"),
    Column("validity_start", "Validity Start"),
    Column("locked", "Locked"),
    Column("issued_count", "Issued"),
)

VOUCHER_COLUMNS = (
    Column("issuance_id", "Issuance ID"),
    Column("request_id", "Request ID"),
    Column("template_name", "Template Name"),
    Column("customer_uin", "Customer UIN"),
    Column("amount", "Amount"),
    Column("status", "Status", _label("status")),
    Column("requested_on", "Requested On"),
    Column("decided_on", "Decided On"),
    Column("valid_from", "Valid From"),
    Column("valid_until", "Valid Until"),
    # after approval (vouchers link / sync / usage): added after the contract keys; the
    # table shows them once some voucher is linked
    Column("voucher_id", "Voucher ID", shown_if="voucher_id"),
    Column("console_status", "Console Status", shown_if="voucher_id"),
    Column("used_amount", "Used", shown_if="voucher_id"),
    Column("remaining_amount", "Remaining", shown_if="voucher_id"),
    Column("expires_on", "Expires On", shown_if="voucher_id"),
)

CUSTOMER_COLUMNS = (
    Column("customer_uin", "Customer UIN"),
    Column("customer_name", "Customer Name"),
    Column("bound_since", "Bound Since"),
    Column("status", "Status"),
)

QUOTA_COLUMNS = (
    Column("business_date", "Business Date"),
    Column("kind", "Kind", _label("kind")),
    Column("amount", "Amount"),
    Column("by", "By"),
    Column("ref", "Reference"),
    Column("note", "Note"),
    Column("operator", "Operator"),
    Column("recorded_at", "Recorded At"),
)


@main.group()
def templates() -> None:
    """Query voucher templates.

    \b
    Example:
      voucher-batch templates list --usage "Product trial" --editable
    """


@templates.command("list")
@click.option("--name", metavar="TEXT", help="Part of the template name (case-insensitive).")
@click.option("--usage", type=DropdownChoice("Usage"), help="Templates of this usage.")
@click.option(
    "--payment-mode", type=DropdownChoice("Payment Mode"), help="Templates of this payment mode."
)
@click.option("--locked/--editable", default=None, help="Only locked or only editable ones.")
@output_options
@click.pass_context
def templates_list(
    ctx: click.Context,
    name: str | None,
    usage: str | None,
    payment_mode: str | None,
    locked: bool | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List templates with their lock state and issued count (R6).

    With --as-of D: as the ledger stood at the end of business date D (see the README).

    \b
    Example:
      voucher-batch templates list --payment-mode prepaid --json
    """
    from ..services.queries import templates_list as list_templates

    rows = list_templates(context_of(ctx), name, usage, payment_mode, locked, given_as_of(ctx))
    emit([asdict(r) for r in rows], TEMPLATE_COLUMNS, as_json, as_csv, "no templates")


@main.group()
def vouchers() -> None:
    """Query issued vouchers.

    \b
    Example:
      voucher-batch vouchers list --status pending
    """


def check_ranges(**ranges: tuple[date | None, date | None]) -> None:
    """Refuse a `--<name>-from` after its `--<name>-to` (usage error, exit 2)."""
    for name, (start, end) in ranges.items():
        if start is not None and end is not None and start > end:
            raise click.UsageError(f"--{name}-from is after --{name}-to: no date is in between")


def voucher_filters(command: Any) -> Any:
    """The filters of `vouchers list` and `vouchers export`: status, customer, template and
    the requested and decided date ranges (read with `voucher_filter_values`)."""
    for option in (
        click.option("--decided-to", type=IsoDate(), help="Decided on or before this date."),
        click.option("--decided-from", type=IsoDate(), help="Decided on or after this date."),
        click.option("--requested-to", type=IsoDate(), help="Requested on or before this date."),
        click.option("--requested-from", type=IsoDate(), help="Requested on or after this date."),
        click.option("--template", metavar="NAME", help="Template name (compared as in R4)."),
        click.option("--customer", metavar="UIN", help="Customer UIN."),
        click.option(
            "--status",
            type=click.Choice(["pending", "approved", "rejected"], case_sensitive=False),
            help="pending (Pending approval) | approved | rejected.",
        ),
    ):
        command = option(command)
    return command


Range = tuple[date | None, date | None]


def voucher_filter_values(
    status: str | None,
    customer: str | None,
    template: str | None,
    requested_from: date | None,
    requested_to: date | None,
    decided_from: date | None,
    decided_to: date | None,
) -> tuple[str | None, str | None, str | None, Range, Range]:
    """The `voucher_filters` as the queries take them: status as its code, the UIN trimmed,
    each date range checked (a from after its to is a usage error, exit 2)."""
    requested, decided = (requested_from, requested_to), (decided_from, decided_to)
    check_ranges(requested=requested, decided=decided)
    code = status.lower() if status else None
    return code, customer.strip() if customer else None, template, requested, decided


@vouchers.command("list")
@voucher_filters
@click.option(
    "--console-status",
    type=click.Choice(["Issued", "Used", "Expired", "Invalidated"], case_sensitive=False),
    help="The voucher's status on the console (as last synced).",
)
@click.option(
    "--expires-within",
    type=click.IntRange(0, 36_600),
    metavar="DAYS",
    help="Only usable vouchers expiring within DAYS days from the as-of date.",
)
@output_options
@click.pass_context
def vouchers_list(
    ctx: click.Context,
    status: str | None,
    customer: str | None,
    template: str | None,
    requested_from: date | None,
    requested_to: date | None,
    decided_from: date | None,
    decided_to: date | None,
    console_status: str | None,
    expires_within: int | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List issuances with status, decision date, validity and console follow-up.

    With --as-of D: as the ledger stood at the end of business date D (see the README).

    \b
    Example:
      voucher-batch vouchers list --customer 100012340001 --requested-from 2026-11-01 --csv
    """
    from ..services.follow_up import follow_up_keys
    from ..services.queries import VoucherRecord, vouchers_stream

    code, uin, template, requested, decided = voucher_filter_values(
        status, customer, template, requested_from, requested_to, decided_from, decided_to
    )
    console = console_status.capitalize() if console_status else None
    extra = follow_up_keys(context_of(ctx), console, expires_within, given_as_of(ctx))
    rows = vouchers_stream(
        context_of(ctx),
        code,
        uin,
        template,
        requested=requested,
        decided=decided,
        as_of=given_as_of(ctx),
    )
    # streamed: printed as read, however many issuances the ledger holds; the record's
    # fields are the contract's keys, in order
    keys = [f.name for f in fields(VoucherRecord)]
    listed = (
        {**{k: getattr(r, k) for k in keys}, **added}
        for r in rows
        if (added := extra(r)) is not None
    )
    emit(listed, VOUCHER_COLUMNS, as_json, as_csv, "no vouchers")


@main.group()
def customers() -> None:
    """Query customers.

    \b
    Example:
      voucher-batch customers list --csv
    """


@customers.command("list")
@output_options
@click.pass_context
def customers_list_command(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """List customers with their binding status.

    With --as-of D: as the ledger stood at the end of business date D (see the README).

    \b
    Example:
      voucher-batch customers list --as-of 2026-10-31 --json
    """
    from ..services.queries import customers_list

    rows = customers_list(context_of(ctx), given_as_of(ctx))
    emit([asdict(r) for r in rows], CUSTOMER_COLUMNS, as_json, as_csv, "no customers")


@quota.command("history")
@output_options
@click.pass_context
def history(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """List every grant and reclaim (R1).

    With --as-of D: as the ledger stood at the end of business date D (see the README).

    \b
    Example:
      voucher-batch quota history --csv
    """
    from ..services.queries import quota_history

    rows = quota_history(context_of(ctx), given_as_of(ctx))
    emit([asdict(r) for r in rows], QUOTA_COLUMNS, as_json, as_csv, "no quota changes")
