"""How listings are printed: an aligned table for people (a header row, the workbook labels,
thousands separators), `--json` for scripts (the contract's keys and codes), `--csv` for
spreadsheets (the table's header and labels, plain numbers and ISO dates). Also what
`--as-of` means to a read-only command: the date when one was given, else None (the ledger
as it stands).
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import click

from ..services.vocabulary import printable
from .app import context_of, say

CHUNK_ROWS = 1_000  # rows of a JSON or CSV listing printed at a time

# a cell a spreadsheet would run as a formula starts with one of these (CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of a listing: its JSON key, its header for people, and how a value reads
    for people (None: as it is)."""

    key: str
    header: str
    label: Callable[[Any], str] | None = None
    # the table (not --json or --csv) shows this column only when some row has a value under
    # this key (columns only some ledgers fill, e.g. the console's after `vouchers link`)
    shown_if: str | None = None


def output_options(fn: Any) -> Any:
    """--json and --csv, shared by every listing."""
    fn = click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header row.")(fn)
    return click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")(fn)


def given_as_of(ctx: click.Context) -> date | None:
    """The business date of `--as-of` / VOUCHER_BATCH_AS_OF when one was given, else None."""
    source = ctx.find_root().get_parameter_source("as_of")
    given = bool(ctx.meta.get("as_of_given")) or (source is not None and source.name != "DEFAULT")
    return context_of(ctx).business_date if given else None


def emit(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[Column],
    as_json: bool,
    as_csv: bool,
    empty: str,
) -> None:
    """Print `rows` (JSON values keyed as the contract says) in the format asked for. JSON
    and CSV are printed as the rows come, in chunks, so a listing of any length starts at
    once and holds only a chunk in memory; the table needs every row for its widths."""
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    if as_json:
        _print_json(rows)
        return
    if as_csv:
        _print_csv(rows, columns)
        return
    rows = list(rows)
    if not rows:
        say(empty, err=True)
        return
    columns = [
        c for c in columns if c.shown_if is None or any(r[c.shown_if] is not None for r in rows)
    ]
    table = [[c.header for c in columns]]
    table += [[_for_people(r[c.key], c) for c in columns] for r in rows]
    right = [_is_number(rows, c) for c in columns]
    widths = [max(_width(line[n]) for line in table) for n in range(len(columns))]
    for line in table:
        cells = [_pad(text, widths[n], right[n]) for n, text in enumerate(line)]
        say("  ".join(cells).rstrip())


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _utc(value: datetime) -> datetime:
    """A stored time stamp in UTC (SQLite hands them back without their zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _for_people(value: Any, column: Column, csv_cell: bool = False) -> str:
    if value is None:
        return ""
    if column.label is not None:
        return column.label(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return str(value) if csv_cell else f"{value:,}"
    if isinstance(value, datetime):
        stamp = _utc(value)
        return stamp.isoformat() if csv_cell else stamp.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    return printable(str(value))  # control characters never reach a terminal raw


def _is_number(rows: Sequence[Mapping[str, Any]], column: Column) -> bool:
    return column.label is None and any(
        isinstance(r[column.key], int) and not isinstance(r[column.key], bool) for r in rows
    )


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (CJK) characters two, combining marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _print_json(rows: Iterable[Mapping[str, Any]]) -> None:
    """The same text as `json.dumps(list(rows), ensure_ascii=False)` and a newline, printed
    a chunk at a time (the first row at once); control characters escaped as `say` does."""
    parts = ["["]
    for n, r in enumerate(rows):
        item = json.dumps({k: _json_value(v) for k, v in r.items()}, ensure_ascii=False)
        parts.append(item if n == 0 else ", " + item)
        if n == 0 or len(parts) >= CHUNK_ROWS:
            click.echo(printable("".join(parts)), nl=False)
            parts.clear()
    parts.append("]")
    say("".join(parts))


def _print_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header for c in columns])
    for n, r in enumerate(rows):
        writer.writerow([_csv_cell(r[c.key], c) for c in columns])
        if n % CHUNK_ROWS == 0:
            click.echo(buffer.getvalue(), nl=False)
            buffer.seek(0)
            buffer.truncate()
    click.echo(buffer.getvalue(), nl=False)


def _csv_cell(value: Any, column: Column) -> str:
    text = _for_people(value, column, csv_cell=True)
    if isinstance(value, str) and column.label is None and text.startswith(_FORMULA_START):
        return "'" + text  # shown as text, never run as a formula
    return text
