"""`vouchers link`, `vouchers sync` and `vouchers usage`: the console's side after approval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .app import context_of, out_dir_option, say
from .lists import vouchers

if TYPE_CHECKING:
    from ..services.vouchers import ConsoleResult


def _report(ctx: click.Context, result: ConsoleResult, as_json: bool) -> None:
    if as_json:
        say(
            json.dumps(
                {
                    "kind": result.kind,
                    "counts": result.counts,
                    "recorded": result.recorded,
                    "decisions": str(result.decisions_path),
                    "usage_mismatches": [
                        c.voucher_id
                        for c in result.checks
                        if c.console_used is not None and not c.matches
                    ],
                },
                ensure_ascii=False,
            )
        )
    else:
        parts = ", ".join(f"{n:,} {d.lower()}" for d, n in result.counts.items() if n)
        say(f"{result.kind.capitalize()}: {parts or 'no rows'}", err=True)
        for c in result.checks:
            if c.console_used is not None and not c.matches:
                say(
                    f"note: voucher {c.voucher_id}: deals total {c.deals_used:,}, the console "
                    f"shows {c.console_used:,} used",
                    err=True,
                )
        say("recorded" if result.recorded else "nothing new to record", err=True)
        say(f"decisions: {result.decisions_path}")
    ctx.exit(result.exit_code)


def _command(name: str, help_text: str, example: str) -> None:
    # the use case loads when the command runs (--help and completion stay light)
    @vouchers.command(name, help=f"{help_text}\n\n\b\nExample:\n  {example}")
    @click.argument("workbook", type=click.Path(path_type=Path))
    @out_dir_option("Folder for <stem>-decisions.xlsx.")
    @click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
    @click.pass_context
    def command(ctx: click.Context, workbook: Path, out_dir: Path, as_json: bool) -> None:
        from ..services import vouchers as use_cases

        service = getattr(use_cases, f"vouchers_{name}")
        _report(ctx, service(context_of(ctx), workbook, out_dir), as_json)


_command(
    "link",
    "Link approved issuances to the vouchers of a console voucher-list export (by customer, "
    "amount and validity, or the Issuance ID column).",
    "voucher-batch vouchers link console-vouchers.xlsx --out-dir reports",
)
_command(
    "sync",
    "Record each voucher's console status and remaining amount from a voucher-list export.",
    "voucher-batch vouchers sync console-vouchers.xlsx --out-dir reports",
)
_command(
    "usage",
    "Record the deals of a console usage-details export, once per BillId and VoucherId.",
    "voucher-batch vouchers usage console-usage.xlsx --json",
)
