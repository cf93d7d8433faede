"""`init` and `ledger verify`."""

from __future__ import annotations

import json

import click

from .app import context_of, main, say
from .quota import print_balance


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the ledger, or upgrade it; safe to run again.

    \b
    Example:
      voucher-batch --ledger postgresql+psycopg://ops@db.example/vouchers init
    """
    c = context_of(ctx)
    state = c.ledger.init()
    say(f"ledger {c.ledger.name}: {state}")


@main.group(name="ledger")
def ledger_group() -> None:
    """Check the ledger.

    \b
    Example:
      voucher-batch ledger verify
    """


@ledger_group.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def verify(ctx: click.Context, as_json: bool) -> None:
    """Recompute balances and statuses from the entries; exit 1 if an invariant fails.

    \b
    Example:
      voucher-batch ledger verify --json
    """
    from ..services.queries import ledger_verify

    report = ledger_verify(context_of(ctx))
    if as_json:
        say(
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
            say(f"finding: {finding}")
        state = "sound" if report.sound else f"{len(report.findings):,} finding(s)"
        say(f"ledger {context_of(ctx).ledger.name}: {report.entries:,} entries checked, {state}")
        print_balance(report.balance)
    ctx.exit(0 if report.sound else 1)
