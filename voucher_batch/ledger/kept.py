"""What a batch decided, as the ledger keeps it (R17): records, their storage and the typed
JSON encoding of cell values.

A kept batch is plain data: its facts (label, counts, balance before and after, hidden
sheets skipped), the sheets it read (title, kind, header cells as written and their
columns) and every row (Excel row, values, decision, reason, problems, issuance). It is
appended in the batch's own transaction, one multi-row INSERT per table, so a batch of
100,000 rows costs three statements, not 100,000.

Cell values keep their type: JSON has no dates, and a float `1.0` must not come back as the
int `1`, so values other than text, whole numbers, booleans and None are tagged objects
(`{"f": "1.0"}`, `{"d": "2026-11-02"}`, ...). Decoding gives back equal values of the same
type.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from ..domain.quota import Balance
from ..domain.vocabulary import count_key
from . import schema as t
from .bulk import insert_tuples


@dataclass(frozen=True)
class KeptSheet:
    title: str
    kind: str  # the sheet contract: Customers | Templates | Requests | Review
    header_row: int
    headers: list[str]
    columns: list[int]  # 1-based sheet column of each header
    mapping: dict[str, int]  # canonical column -> position in headers


@dataclass(frozen=True)
class KeptProblem:
    column: str | None  # canonical column, None for the whole row
    code: str
    message: str


@dataclass(frozen=True)
class KeptRow:
    sheet_no: int  # position of its sheet in KeptBatch.sheets
    row: int
    values: list[object]
    decision: str
    reason: str
    problems: list[KeptProblem] = field(default_factory=list)
    issuance_id: str | None = None
    amount: int | None = None
    remaining: int | None = None


@dataclass(frozen=True)
class KeptBatch:
    label: str  # how the outputs name the batch: "Ingest", "Review import"
    counts: dict[str, dict[str, int]]  # sheet -> decision -> rows, in output order
    before: Balance
    after: Balance
    skipped: list[str]
    sheets: list[KeptSheet]
    rows: Sequence[KeptRow]


# ---- typed values ---------------------------------------------------------------------


def encode_value(value: object) -> object:
    """A JSON-ready form of one cell value that `decode_value` turns back into an equal
    value of the same type."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return {"f": repr(value)}  # repr round-trips exactly, nan and inf included
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, time):
        return {"t": value.isoformat()}
    if isinstance(value, timedelta):
        return {"td": [value.days, value.seconds, value.microseconds]}
    return {"s": str(value)}  # anything else the reader might hand over is kept as its text


def decode_value(value: Any) -> object:
    if not isinstance(value, dict):
        return value
    [(tag, text)] = value.items()
    if tag == "f":
        return float(text)
    if tag == "dt":
        return datetime.fromisoformat(text)
    if tag == "d":
        return date.fromisoformat(text)
    if tag == "t":
        return time.fromisoformat(text)
    if tag == "td":
        days, seconds, micro = text
        return timedelta(days=days, seconds=seconds, microseconds=micro)
    if tag == "s":
        return str(text)
    raise ValueError(f"unknown kept value tag {tag!r}")


_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _encode_tagged(value: object) -> str:
    return _dumps(encode_value(value))


# The JSON `_encode_tagged` writes, for the exact types a workbook's cells hold, written
# directly: the text of a float's repr and of an isoformat needs no escaping.
_CELL_JSON: dict[type, Callable[[Any], str]] = {
    str: json.encoder.encode_basestring,  # what `_dumps` writes a str with
    int: int.__repr__,
    type(None): lambda _: "null",
    float: lambda v: f'{{"f":"{v!r}"}}',
    datetime: lambda v: f'{{"dt":"{v.isoformat()}"}}',
    date: lambda v: f'{{"d":"{v.isoformat()}"}}',
}


def encode_values(values: Sequence[object]) -> str:
    """The JSON array of `values`, each as `encode_value` gives it: the very text of
    `_dumps([encode_value(v) for v in values])`, written without starting the encoder for
    each row where the value's type is one of `_CELL_JSON`."""
    return "[" + ",".join([_CELL_JSON.get(type(v), _encode_tagged)(v) for v in values]) + "]"


def decode_values(text: str) -> list[object]:
    return [decode_value(v) for v in json.loads(text)]


# ---- storage --------------------------------------------------------------------------


def _balance_columns(when: str, balance: Balance) -> dict[str, int]:
    return {
        f"{when}_quota": balance.quota,
        f"{when}_pending": balance.pending,
        f"{when}_approved": balance.approved,
        f"{when}_rejected": balance.rejected,
    }


def insert_kept(conn: Connection, batch_id: int, kept: KeptBatch) -> None:
    """Append `kept` for the batch `batch_id`: one INSERT per table, in the caller's
    transaction."""
    conn.execute(
        t.batch_facts.insert().values(
            batch_id=batch_id,
            label=kept.label,
            counts=json.dumps(kept.counts, ensure_ascii=False),
            skipped=json.dumps(kept.skipped, ensure_ascii=False),
            **_balance_columns("before", kept.before),
            **_balance_columns("after", kept.after),
        )
    )
    if kept.sheets:
        conn.execute(
            t.batch_sheets.insert(),
            [
                {
                    "batch_id": batch_id,
                    "sheet_no": n,
                    "title": s.title,
                    "kind": s.kind,
                    "header_row": s.header_row,
                    "headers": json.dumps(s.headers, ensure_ascii=False),
                    "header_columns": json.dumps(s.columns),
                    "mapping": json.dumps(s.mapping, ensure_ascii=False),
                }
                for n, s in enumerate(kept.sheets)
            ],
        )
    # row by row: the stored text of a million rows is never all held at once
    insert_tuples(
        conn, t.batch_rows, _ROW_COLUMNS, map(_row_values, kept.rows), same={"batch_id": batch_id}
    )


# what `_row_values` gives, in order
_ROW_COLUMNS = (
    "sheet_no",
    "excel_row",
    "cells",
    "decision",
    "reason",
    "problems",
    "issuance_id",
    "amount",
    "remaining",
)


def _row_values(r: KeptRow) -> tuple[object, ...]:
    return (
        r.sheet_no,
        r.row,
        encode_values(r.values),
        r.decision,
        r.reason,
        _dumps([[p.column, p.code, p.message] for p in r.problems]) if r.problems else "[]",
        r.issuance_id,
        r.amount,
        r.remaining,
    )


def kept_after(conn: Connection) -> int | None:
    """The last batch id recorded before batches kept their rows (None: not known)."""
    value = conn.execute(
        select(t.meta.c.value).where(t.meta.c.key == t.KEPT_AFTER_KEY)
    ).scalar_one_or_none()
    return int(value) if value is not None and value.isdigit() else None


def read_kept(conn: Connection, batch_id: int) -> KeptBatch | None:
    """What the batch kept, or None when it kept nothing (recorded before schema 4)."""
    facts = conn.execute(
        select(t.batch_facts).where(t.batch_facts.c.batch_id == batch_id)
    ).one_or_none()
    if facts is None:
        return None
    sheets = [
        KeptSheet(
            s.title,
            s.kind,
            s.header_row,
            json.loads(s.headers),
            json.loads(s.header_columns),
            json.loads(s.mapping),
        )
        for s in conn.execute(
            select(t.batch_sheets)
            .where(t.batch_sheets.c.batch_id == batch_id)
            .order_by(t.batch_sheets.c.sheet_no)
        )
    ]
    return KeptBatch(
        facts.label,
        json.loads(facts.counts),
        Balance(
            facts.before_quota, facts.before_pending, facts.before_approved, facts.before_rejected
        ),
        Balance(facts.after_quota, facts.after_pending, facts.after_approved, facts.after_rejected),
        json.loads(facts.skipped),
        sheets,
        list(_read_rows(conn, batch_id)),
    )


def _read_rows(conn: Connection, batch_id: int) -> Iterator[KeptRow]:
    r = t.batch_rows
    result = conn.execution_options(yield_per=5000).execute(
        select(r).where(r.c.batch_id == batch_id).order_by(r.c.id)
    )
    for row in result:
        yield KeptRow(
            row.sheet_no,
            row.excel_row,
            decode_values(row.cells),
            row.decision,
            row.reason,
            [KeptProblem(c, code, m) for c, code, m in json.loads(row.problems)],
            row.issuance_id,
            row.amount,
            row.remaining,
        )


def kept_counts(conn: Connection) -> dict[int, dict[str, int]]:
    """batch id -> {"Sheet: Decision": rows kept}, for every batch that kept its rows."""
    r, s = t.batch_rows, t.batch_sheets
    out: dict[int, dict[str, int]] = {
        int(b): {} for b in conn.execute(select(t.batch_facts.c.batch_id)).scalars()
    }
    rows = conn.execute(
        select(r.c.batch_id, s.c.kind, r.c.decision, func.count())
        .select_from(r)
        .outerjoin(s, (s.c.batch_id == r.c.batch_id) & (s.c.sheet_no == r.c.sheet_no))
        .group_by(r.c.batch_id, s.c.kind, r.c.decision)
    )
    for batch_id, kind, decision, n in rows:
        out.setdefault(int(batch_id), {})[count_key(kind or "?", decision)] = int(n)
    return out


def kept_facts_counts(conn: Connection) -> dict[int, dict[str, dict[str, int]]]:
    """batch id -> the counts its kept facts show."""
    return {
        int(b): json.loads(c)
        for b, c in conn.execute(select(t.batch_facts.c.batch_id, t.batch_facts.c.counts))
    }
