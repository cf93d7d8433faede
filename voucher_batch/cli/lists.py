"""`templates list` and `vouchers list`."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

import click

from ..services.context import printable
from ..services.follow_up import list_follow_up
from ..services.queries import choice_code
from ..services.queries import templates_list as list_templates
from ..services.queries import vouchers_list as list_vouchers
from .app import context_of, main, say


def _choice(column: str) -> Any:
    def convert(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        code = choice_code(column, value)
        if code is None:
            raise click.BadParameter(f"'{value}' is not a {column}")
        return code

    return convert


@main.group()
def templates() -> None:
    """Query voucher templates."""


@templates.command("list")
@click.option("--name", help="Part of the template name (case-insensitive).")
@click.option("--usage", callback=_choice("Usage"), help="Product trial | Customer offer.")
@click.option("--payment-mode", callback=_choice("Payment Mode"), help="All | Prepaid | Postpaid.")
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
    """List templates with their lock state and issued count (R6)."""
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
    """Query issued vouchers."""


@vouchers.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected"]))
@click.option("--customer", help="Customer UIN.")
@click.option("--template", help="Template name (compared as in R4).")
@click.option(
    "--console-status",
    type=click.Choice(["Issued", "Used", "Expired", "Invalidated"], case_sensitive=False),
    help="The voucher's status on the console (as last synced).",
)
@click.option(
    "--expires-within",
    type=click.IntRange(0, 36_600),
    help="Only usable vouchers expiring within N days from the as-of date.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def vouchers_list(
    ctx: click.Context,
    status: str | None,
    customer: str | None,
    template: str | None,
    console_status: str | None,
    expires_within: int | None,
    as_json: bool,
) -> None:
    """List issuances with status, decision date, validity and console follow-up."""
    rows = list_vouchers(context_of(ctx), status, customer, template)
    console = console_status.capitalize() if console_status else None
    extra = list_follow_up(context_of(ctx), rows, console, expires_within)
    rows = [r for r in rows if r.issuance_id in extra]
    if as_json:
        say(
            json.dumps(
                [
                    {
                        **{
                            k: (v.isoformat() if isinstance(v, date) else v)
                            for k, v in asdict(r).items()
                        },
                        **extra[r.issuance_id],
                    }
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
            f"  {extra[r.issuance_id]['console_status'] or ''}"
        )
    if not rows:
        say("no vouchers", err=True)
