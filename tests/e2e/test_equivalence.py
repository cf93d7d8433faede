"""A mid-size batch with every kind of bad cell gives the same decisions as the reference.

The workbook is generated (a few thousand request rows, each kind of bad cell spread
among good ones) and ingested through the real command line; the decision workbook is
re-opened and every cell of every sheet, plus the ledger's quota figures, is compared with
`fixtures/equivalence.json`, which was written by the reading and writing pipeline as it was
before the fast paths. Regenerate it only for an intended change of output:
`python -m tests.e2e.test_equivalence` (it rewrites the fixture from the current code).
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from tests.workbooks import (
    CUSTOMER_HEADERS,
    REQUEST_HEADERS,
    TEMPLATE_HEADERS,
    Cli,
)

FIXTURE = Path(__file__).parent / "fixtures" / "equivalence.json"
ROWS = 3_000
MASKED = ("SHA-256", "Ledger")  # Summary items that name this run's file and folder
QUOTA = 12_000_000  # runs out part-way, so first-fit refusals are compared too


def _bad_request(i: int) -> tuple[int, object, str] | None:
    """Column position, value and how it is written, for the i-th row's bad cell."""
    kinds: list[tuple[int, object, str]] = [
        (3, 12.5, "number"),  # revenue not whole
        (3, "1.000", "text"),
        (3, "12k", "text"),
        (3, "12,000", "text"),  # accepted: thousands separators
        (3, "１２３", "text"),  # accepted: full-width digits
        (3, -5, "number"),
        (2, "1.00012E+11", "text"),  # UIN that lost precision
        (2, 100012340001.0, "number"),  # integral numeric UIN: accepted
        (2, "999", "text"),  # too short
        (2, "100012349999", "text"),  # unknown customer
        (2, "100012340007", "text"),  # unbound customer
        (4, "03/04/2027", "text"),  # ambiguous date
        (4, "2027/01/15", "text"),  # accepted
        (4, "2026-01-01", "text"),  # before the processing date
        (4, 46000, "number"),  # a number, not a date
        (5, "", "blank"),  # reason missing
        (5, "x" * 501, "text"),  # reason too long
        (5, "\u00a0 padded\u200b reason \ufeff", "text"),  # cleaned, accepted
        (1, "No Such Template", "text"),
        (1, "starter   TRIAL", "text"),  # accepted: names compare loosely
        (0, "", "blank"),  # request id missing
        (0, "R" * 41, "text"),  # request id too long
        (0, "R-000010", "text"),  # same id as an earlier row, other content
        (3, "=1/0", "error"),
        (3, "=2*2500", "formula"),  # formula with a computed value: accepted
        (3, "=A1*0", "formula-no-value"),
        (3, '=HYPERLINK("http://x")', "text"),
        (6, "reviewer.one", "text"),
        (6, "=cmd|' /C calc'!A0", "text"),
        (3, True, "bool"),
    ]
    if i % 7 != 3:
        return None
    return kinds[(i // 7) % len(kinds)]


def build(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet("Customers")
    ws.write_row(0, 0, CUSTOMER_HEADERS)
    for i in range(12):
        uin = f"1000123400{i:02d}"
        ws.write_string(i + 1, 0, uin)
        ws.write_string(i + 1, 1, f"Customer {i}")
        ws.write_datetime(i + 1, 2, datetime(2025, 1, 6), date_fmt)
        ws.write_string(i + 1, 3, "Unbound" if i == 7 else "Bound")
    ws = book.add_worksheet("Templates")
    ws.write_row(0, 0, TEMPLATE_HEADERS)
    ws.write_row(
        1, 0, ["Starter Trial", "Product trial", "All", 1000, "30 days", "From the issuance date"]
    )
    ws.write_row(
        2,
        0,
        ["Big Offer", "Customer offer", "Prepaid", 25000, "3 months", "From the validity date"],
    )
    ws.write_row(
        3, 0, ["Bad Amount", "Product trial", "All", 12.5, "30 days", "From the issuance date"]
    )
    ws = book.add_worksheet("Requests")
    ws.write_string(0, 0, "Batch of generated requests (a title row above the header)")
    ws.write_row(1, 0, [*REQUEST_HEADERS, "Note (kept)"])
    for i in range(ROWS):
        r = i + 2
        if i % 211 == 5:
            continue  # a fully blank row
        row: list[object] = [
            f"R-{i:06d}",
            "Big Offer" if i % 5 == 0 else "Starter Trial",
            f"1000123400{i % 12:02d}" if i % 12 != 7 else "100012340001",
            1000 + i,
            datetime(2027, 1, 1 + i % 28),
            f"Reason {i}",
            "ops.analyst",
            f"note {i}" if i % 3 else None,
        ]
        bad = _bad_request(i)
        for c, value in enumerate(row):
            if bad is not None and bad[0] == c:
                continue
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, date_fmt)
            elif value is not None:
                ws.write(r, c, value)
        if bad is not None:
            c, value, how = bad
            if how == "text":
                ws.write_string(r, c, str(value))
            elif how == "number":
                ws.write_number(r, c, value)  # type: ignore[arg-type]
            elif how == "bool":
                ws.write_boolean(r, c, bool(value))
            elif how == "formula":
                ws.write_formula(r, c, str(value), None, 5000)
            elif how == "error":
                ws.write_formula(r, c, str(value), None, "#DIV/0!")
            elif how == "formula-no-value":
                ws.write_formula(r, c, str(value), None, "")
        if i % 97 == 11:
            ws.set_row(r, None, None, {"hidden": True})
    for first in range(40, ROWS, 613):
        ws.merge_range(first, 5, first + 1, 5, f"merged reason {first}")
    book.close()
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def outputs(folder: Path) -> dict[str, Any]:
    cli = Cli(folder)
    assert cli("init").code == 0
    assert cli("quota", "grant", str(QUOTA), "--by", "sales.rep").code == 0
    book = build(folder / "equivalence.xlsx")
    result = cli.ingest(book)
    assert result.code == 1, result.stderr
    wb = cli.decisions(book)
    sheets = {
        ws.title: [[_plain(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for ws in wb.worksheets
    }
    for row in sheets["Summary"]:
        if row[0] in MASKED:
            row[1] = "(varies)"
    return {"exit": result.code, "quota": cli.quota(), "sheets": sheets}


def test_decisions_equal_the_reference(tmp_path: Path) -> None:
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    found = json.loads(json.dumps(outputs(tmp_path)))
    assert found["exit"] == expected["exit"]
    assert found["quota"] == expected["quota"]
    assert list(found["sheets"]) == list(expected["sheets"])
    for title, rows in expected["sheets"].items():
        got = found["sheets"][title]
        assert len(got) == len(rows), title
        for n, (a, b) in enumerate(zip(got, rows, strict=True), start=1):
            assert a == b, f"{title} row {n}"


if __name__ == "__main__":  # pragma: no cover - regenerates the reference
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        data = outputs(Path(folder))
    FIXTURE.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {FIXTURE}", file=sys.stderr)
