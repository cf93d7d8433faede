"""`templates list` and `vouchers list`."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

import click

from ..services.vocabulary import printable
from .app import context_of, main, say
from .options import DropdownChoice


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
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def templates_list(
    ctx: click.Context,
    name: str | None,
    usage: str | None,
    payment_mode: str | None,
    locked: bool | None,
    as_json: bool,
) -> None:
    """List templates with their lock state and issued count (R6).

    \b
    Example:
      voucher-batch templates list --payment-mode prepaid --json
    """
    from ..services.queries import templates_list as list_templates

    rows = list_templates(context_of(ctx), name, usage, payment_mode, locked)
    if as_json:
        say(json.dumps([asdict(r) for r in rows], ensure_ascii=False))
        return
    for r in rows:
        state = f"locked ({r.issued_count} issued)" if r.locked else "editable"
        say(
            f"{printable(r.name):<20}  {r.usage:<13}  {r.payment_mode:<10}  {r.amount:>9,}  "
            f"{r.validity_period:<9}  {r.validity_start:<22}  {state}"
        )
    if not rows:
        say("no templates", err=True)


@main.group()
def vouchers() -> None:
    """Query issued vouchers.

    \b
    Example:
      voucher-batch vouchers list --status pending
    """


@vouchers.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "approved", "rejected"], case_sensitive=False),
    help="Only issuances in this status.",
)
@click.option("--customer", metavar="UIN", help="Customer UIN.")
@click.option("--template", metavar="NAME", help="Template name (compared as in R4).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def vouchers_list(
    ctx: click.Context,
    status: str | None,
    customer: str | None,
    template: str | None,
    as_json: bool,
) -> None:
    """List issuances with status, decision date and validity.

    \b
    Example:
      voucher-batch vouchers list --customer 100012340001 --json
    """
    from ..services.queries import vouchers_list as list_vouchers

    rows = list_vouchers(context_of(ctx), status, customer, template)
    if as_json:
        say(
            json.dumps(
                [
                    {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(r).items()}
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    for r in rows:
        say(
            f"{r.issuance_id}  {printable(r.request_id):<14}  {printable(r.template_name):<20}  "
            f"{r.customer_uin:<20}  {r.amount:>9,}  {r.status:<8}  "
            f"{r.requested_on}  {r.valid_from or ''} {r.valid_until or ''}"
        )
    if not rows:
        say("no vouchers", err=True)
