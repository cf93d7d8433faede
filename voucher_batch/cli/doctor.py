"""`doctor`: which configuration, ledger, calendar and output folder a command would use and
where each came from; whether the ledger can be reached and has this tool's schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from .app import context_of, main, say
from .options import calendar_option, out_dir_option, source_of

STATES = {True: "ok", False: "PROBLEM"}


@main.command()
@out_dir_option("Output folder to report on (as the commands that write files take it).")
@calendar_option()
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
def doctor(ctx: click.Context, out_dir: Path, calendar: str | None, as_json: bool) -> None:
    """Show the configuration file, ledger, calendar and output folder in use and where each
    came from (option, environment, configuration file, default); check that the ledger can
    be reached and has this tool's schema. Exit 0 when all is well, 2 when not. Changes
    nothing.

    \b
    Example:
      voucher-batch doctor
      voucher-batch --ledger postgresql+psycopg://ops@db.example/vouchers doctor --json
    """
    from ..services.doctor import diagnose

    found = diagnose(context_of(ctx), calendar)
    config = ctx.find_root().meta.get("config")
    config_path = str(config.path) if config is not None and config.path else None
    ledger = found.ledger
    facts = {
        "ok": found.ok,
        "config_file": config_path,
        "ledger": ledger.name,
        "ledger_source": _ledger_source(ctx),
        "ledger_reachable": ledger.reachable,
        "schema": ledger.schema,
        "schema_expected": ledger.expected,
        "ledger_problem": ledger.problem or None,
        "calendar": calendar,
        "calendar_source": source_of(ctx, "calendar"),
        "calendar_problem": found.calendar_problem or None,
        "out_dir": str(out_dir),
        "out_dir_source": source_of(ctx, "out_dir"),
        "versions": found.versions,
    }
    if as_json:
        say(json.dumps(facts, ensure_ascii=False))
    else:
        _print(facts)
    ctx.exit(0 if found.ok else 2)


def _ledger_source(ctx: click.Context) -> str:
    """`--ledger` after the command name wins over the global one."""
    if ctx.get_parameter_source("ledger") is click.core.ParameterSource.COMMANDLINE:
        return "option"
    return source_of(ctx.find_root(), "ledger")


def _print(facts: Mapping[str, Any]) -> None:
    say(f"configuration file: {facts['config_file'] or 'none'}")
    say(f"ledger:             {facts['ledger']}  (from {facts['ledger_source']})")
    reach = "yes" if facts["ledger_reachable"] else "no"
    say(f"  reachable:        {reach}")
    schema = facts["schema"] or "-"
    say(f"  schema:           {schema} (this voucher-batch: {facts['schema_expected']})")
    if facts["ledger_problem"]:
        say(f"  problem:          {facts['ledger_problem']}")
    say(f"calendar:           {facts['calendar'] or 'Mon-Fri'}  (from {facts['calendar_source']})")
    if facts["calendar_problem"]:
        say(f"  problem:          {facts['calendar_problem']}")
    say(f"output folder:      {facts['out_dir']}  (from {facts['out_dir_source']})")
    say("versions:           " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items()))
    say(f"status:             {STATES[bool(facts['ok'])]}")
