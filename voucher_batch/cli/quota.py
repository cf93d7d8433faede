"""`quota grant|reclaim|show`."""

from __future__ import annotations

import json
import re
from typing import Any

import click

from ..services.quota import (
    SUM_MAX,
    SUM_MAX_TEXT,
    Balance,
    QuotaChangeKind,
    quota_apply,
    quota_show,
)
from .app import context_of, main, say
from .output import given_as_of

WHOLE_NUMBER = re.compile(r"[0-9]{1,3}(,[0-9]{3})+|[0-9]+")


def _positive_amount(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    if not WHOLE_NUMBER.fullmatch(value) or int(value.replace(",", "")) == 0:
        raise click.BadParameter(
            f"'{value}' is not a positive whole number (digits, optionally with thousands "
            "separators such as 12,000; never guessed)"
        )
    text = value.replace(",", "")
    if int(text) > SUM_MAX:
        raise click.BadParameter(f"'{value}' is more than the ledger holds ({SUM_MAX_TEXT}) (R16)")
    return int(text)


@main.group()
def quota() -> None:
    """Grant, reclaim and show the issuance quota."""


def _quota_options(fn: Any) -> Any:
    fn = click.option("--note", default="", help="Free text kept with the entry.")(fn)
    fn = click.option("--ref", default="", help="Reference, e.g. a ticket or contract.")(fn)
    fn = click.option("--by", "by", required=True, help="Who granted or reclaimed it.")(fn)
    fn = click.argument("amount", callback=_positive_amount)(fn)
    return fn


def print_balance(balance: Balance) -> None:
    for key, value in balance.as_dict().items():
        say(f"{key:>9}: {value:>14,}")


def _quota_change(ctx: click.Context, kind: str, amount: int, by: str, ref: str, note: str) -> None:
    outcome = quota_apply(context_of(ctx), kind, amount, by, ref, note)
    if outcome.already_recorded:
        say(f"Already recorded: {kind} of {amount:,} with reference '{ref}'; nothing changed")
    print_balance(outcome.balance)


@quota.command()
@_quota_options
@click.pass_context
def grant(ctx: click.Context, amount: int, by: str, ref: str, note: str) -> None:
    """Raise the quota by AMOUNT (R1). A --ref already recorded for the same grant is
    'Already recorded' and changes nothing (R16)."""
    _quota_change(ctx, QuotaChangeKind.GRANT, amount, by, ref, note)


@quota.command()
@_quota_options
@click.pass_context
def reclaim(ctx: click.Context, amount: int, by: str, ref: str, note: str) -> None:
    """Lower the quota by AMOUNT; never below what is issued on any day (R1, R14)."""
    _quota_change(ctx, QuotaChangeKind.RECLAIM, amount, by, ref, note)


@quota.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Show quota, pending, approved, rejected, issued and remaining (R2).

    With --as-of D: the balance at the end of business date D (quota changes dated on or
    before D, requests requested by D, decisions decided by D)."""
    balance = quota_show(context_of(ctx), given_as_of(ctx))
    if as_json:
        say(json.dumps(balance.as_dict()))
    else:
        print_balance(balance)
