"""`batches list` and `batches show`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .app import context_of, main, say


@main.group()
def batches() -> None:
    """Recorded batches: list them, show one, rebuild its outputs.

    \b
    Example:
      voucher-batch batches list
      voucher-batch batches show 3 --out-dir rebuilt
    """


def _counts_text(counts: dict[str, dict[str, int]]) -> str:
    parts = []
    for sheet, by in counts.items():
        shown = ", ".join(f"{n:,} {d.lower()}" for d, n in by.items() if n)
        parts.append(f"{sheet}: {shown or 'no rows'}")
    return "; ".join(parts) or "no rows"


@batches.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def batches_list(ctx: click.Context, as_json: bool) -> None:
    """List every recorded batch, oldest first.

    \b
    Example:
      voucher-batch batches list --json
    """
    from ..services.batches import batches_list as list_batches

    rows = list_batches(context_of(ctx))
    if as_json:
        say(json.dumps([r.as_json() for r in rows], ensure_ascii=False))
        return
    for r in rows:
        say(
            f"{r.id:>6}  {r.kind:<6}  {r.business_date}  {r.recorded_at:%Y-%m-%d %H:%M} UTC  "
            f"{r.operator:<14}  {r.file_name}  {_counts_text(r.counts)}"
        )
    if not rows:
        say("no batches", err=True)


def _batch_id(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    text = value.strip().lstrip("#")
    if not text.isascii() or not text.isdigit() or int(text) == 0:
        raise click.BadParameter(f"'{value}' is not a batch number ('batches list' shows them)")
    return int(text)


@batches.command("show")
@click.argument("batch_id", metavar="ID", callback=_batch_id)
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    default=None,
    help="Rebuild the batch's decision workbook and report into this folder.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the batch as JSON.")
@click.pass_context
def batches_show(ctx: click.Context, batch_id: int, out_dir: Path | None, as_json: bool) -> None:
    """Show batch ID's facts and counts; with --out-dir, rebuild its outputs (never
    replacing a file).

    \b
    Example:
      voucher-batch batches show 3
      voucher-batch batches show 3 --out-dir rebuilt
    """
    from ..services.batches import batch_show

    shown = batch_show(context_of(ctx), batch_id, out_dir)
    if as_json:
        say(json.dumps(shown.as_json(), ensure_ascii=False))
        return
    b = shown.batch
    say(f"batch {b.id}: {b.kind} of {b.file_name}")
    say(f"  sha256:        {b.file_sha256}")
    say(f"  operator:      {b.operator}")
    say(f"  business date: {b.business_date}")
    say(f"  recorded at:   {b.recorded_at:%Y-%m-%d %H:%M:%S} UTC")
    for sheet, by in b.counts.items():
        say(f"  {sheet}: " + ", ".join(f"{n:,} {d.lower()}" for d, n in by.items()))
    if shown.kept is not None:
        before, after = shown.kept.before, shown.kept.after
        say(
            f"  quota {before.quota:,} -> {after.quota:,}; issued {before.issued:,} -> "
            f"{after.issued:,}; remaining {before.remaining:,} -> {after.remaining:,}"
        )
        if shown.kept.skipped:
            say(f"  hidden sheets skipped: {', '.join(shown.kept.skipped)}")
    for note in shown.notes:
        say(f"note: {note}")
    if shown.decisions_path is not None:
        say(f"decisions: {shown.decisions_path}")
        say(f"report:    {shown.report_path}")
