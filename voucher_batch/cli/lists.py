"""`templates list`, `vouchers list`, `customers list` and `quota history`: the ledger's
contents for people (a table), scripts (`--json`) and spreadsheets (`--csv`), as they stand or
as of the business date `--as-of` names."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import click

from ..services.queries import LABELS, choice_code, customers_list, quota_history
from ..services.queries import templates_list as list_templates
from ..services.queries import vouchers_list as list_vouchers
from .app import context_of, main
from .output import Column, emit, given_as_of, output_options
from .quota import quota

DAY = click.DateTime(["%Y-%m-%d"])


def _choice(column: str) -> Any:
    def convert(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        code = choice_code(column, value)
        if code is None:
            raise click.BadParameter(f"'{value}' is not a {column}")
        return code

    return convert


def _label(kind: str) -> Any:
    return lambda code: LABELS[kind].get(code, code)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


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

AS_OF_HELP = " With --as-of D: as the ledger stood at the end of business date D (see the README)."


@main.group()
def templates() -> None:
    """Query voucher templates."""


@templates.command(
    "list", help="List templates with their lock state and issued count (R6)." + AS_OF_HELP
)
@click.option("--name", help="Part of the template name (case-insensitive).")
@click.option("--usage", callback=_choice("Usage"), help="Product trial | Customer offer.")
@click.option("--payment-mode", callback=_choice("Payment Mode"), help="All | Prepaid | Postpaid.")
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
    rows = list_templates(context_of(ctx), name, usage, payment_mode, locked, given_as_of(ctx))
    emit([asdict(r) for r in rows], TEMPLATE_COLUMNS, as_json, as_csv, "no templates")


@main.group()
def vouchers() -> None:
    """Query issued vouchers."""


@vouchers.command(
    "list", help="List issuances with status, decision date and validity." + AS_OF_HELP
)
@click.option(
    "--status",
    type=click.Choice(["pending", "approved", "rejected"], case_sensitive=False),
    help="pending (Pending approval) | approved | rejected.",
)
@click.option("--customer", help="Customer UIN.")
@click.option("--template", help="Template name (compared as in R4).")
@click.option("--requested-from", type=DAY, help="Requested on or after this date.")
@click.option("--requested-to", type=DAY, help="Requested on or before this date.")
@click.option("--decided-from", type=DAY, help="Decided on or after this date.")
@click.option("--decided-to", type=DAY, help="Decided on or before this date.")
@output_options
@click.pass_context
def vouchers_list(
    ctx: click.Context,
    status: str | None,
    customer: str | None,
    template: str | None,
    requested_from: datetime | None,
    requested_to: datetime | None,
    decided_from: datetime | None,
    decided_to: datetime | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    for name, start, end in (
        ("requested", requested_from, requested_to),
        ("decided", decided_from, decided_to),
    ):
        if start is not None and end is not None and start > end:
            raise click.UsageError(f"--{name}-from is after --{name}-to: no date is in between")
    rows = list_vouchers(
        context_of(ctx),
        status.lower() if status else None,
        customer.strip() if customer else None,
        template,
        requested=(_day(requested_from), _day(requested_to)),
        decided=(_day(decided_from), _day(decided_to)),
        as_of=given_as_of(ctx),
    )
    emit([asdict(r) for r in rows], VOUCHER_COLUMNS, as_json, as_csv, "no vouchers")


@main.group()
def customers() -> None:
    """Query customers."""


@customers.command("list", help="List customers with their binding status." + AS_OF_HELP)
@output_options
@click.pass_context
def customers_list_command(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    rows = customers_list(context_of(ctx), given_as_of(ctx))
    emit([asdict(r) for r in rows], CUSTOMER_COLUMNS, as_json, as_csv, "no customers")


@quota.command("history", help="List every grant and reclaim (R1)." + AS_OF_HELP)
@output_options
@click.pass_context
def history(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    rows = quota_history(context_of(ctx), given_as_of(ctx))
    emit([asdict(r) for r in rows], QUOTA_COLUMNS, as_json, as_csv, "no quota changes")
