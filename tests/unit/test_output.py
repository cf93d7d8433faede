"""The listing printer (cli/output.py): columns line up on a terminal, wide characters
included; numbers right-aligned with thousands separators; CSV keeps formulas as text."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from voucher_batch.cli.output import Column, _csv_cell, emit
from voucher_batch.services.vocabulary import printable

COLUMNS = (Column("name", "Customer Name"), Column("amount", "Amount"), Column("uin", "UIN"))
ROWS = [
    {"name": "Example Co", "amount": 1000, "uin": "100012340001"},
    {"name": "第二公司有限", "amount": 1234567, "uin": "100012340002"},
    {"name": "=cmd|' /C calc'!A0", "amount": 5, "uin": "100012340003"},
]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_table_columns_line_up_with_wide_characters(capsys: pytest.CaptureFixture[str]) -> None:
    emit(ROWS, COLUMNS, as_json=False, as_csv=False, empty="none")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("  ")[0] == "Customer Name"
    # the UIN column starts at the same screen column on every line
    starts = {display_width(line[: line.index(uin)]) for line, uin in zip(
        lines[1:], ("100012340001", "100012340002", "100012340003"), strict=True)}  # fmt: skip
    assert len(starts) == 1
    assert "1,234,567" in lines[2] and "1,000" in lines[1]
    # right-aligned: the amounts end where the header ends
    ends = {display_width(line[: line.index(n) + len(n)]) for line, n in zip(
        lines, ("Amount", "1,000", "1,234,567", "5"), strict=True)}  # fmt: skip
    assert len(ends) == 1


def test_csv_keeps_a_formula_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    emit(ROWS, COLUMNS, as_json=False, as_csv=True, empty="none")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[2]["Customer Name"] == "'=cmd|' /C calc'!A0"
    assert rows[1]["Amount"] == "1234567" and rows[1]["Customer Name"] == "第二公司有限"


def test_an_empty_table_says_so_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    emit([], COLUMNS, as_json=False, as_csv=False, empty="no customers")
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() == "no customers"


# ---- JSON and CSV are printed as the rows come ---------------------------------------------

ODD_ROWS = [
    {
        "name": name,
        "amount": amount,
        "uin": uin,
        "on": date(2026, 11, 2) if n % 3 else None,
        "at": datetime(2026, 11, 2, 9, 30, tzinfo=UTC) if n % 2 else None,
    }
    for n, (name, amount, uin) in enumerate(
        [
            ("Example Co", 1000, "100012340001"),
            ("第二公司有限", 10**15, "100012340002"),
            ('quote " and \\ backslash', 0, "100012340003"),
            ("bidi \u202eevil\u202c and tab\tand newline\n", -5, "100012340004"),
            ("zero\u200bwidth and nbsp\u00a0", 7, None),
            ("=cmd|' /C calc'!A0", 1, "100012340006"),
        ]
    )
]
JSON_COLUMNS = (*COLUMNS, Column("on", "On"), Column("at", "At"))


def _as_printed_before(rows: list[dict[str, object]]) -> str:
    """What the listing printed when it built the whole list first (one json.dumps)."""
    values = [
        {
            k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else
                v.isoformat() if isinstance(v, date) else v)
            for k, v in r.items()
        }
        for r in rows
    ]  # fmt: skip
    return printable(json.dumps(values, ensure_ascii=False)) + "\n"


@pytest.mark.parametrize("count", [0, 1, 2, 999, 1000, 1001, 2345])
def test_json_printed_as_the_rows_come_is_the_same_text(
    capsys: pytest.CaptureFixture[str], count: int
) -> None:
    rows = [ODD_ROWS[n % len(ODD_ROWS)] | {"amount": n} for n in range(count)]
    emit(iter(rows), JSON_COLUMNS, as_json=True, as_csv=False, empty="none")
    out = capsys.readouterr().out
    assert out == _as_printed_before(rows)
    assert json.loads(out) == json.loads(_as_printed_before(rows))


def test_odd_values_print_the_same_json(capsys: pytest.CaptureFixture[str]) -> None:
    emit((r for r in ODD_ROWS), JSON_COLUMNS, as_json=True, as_csv=False, empty="none")
    out = capsys.readouterr().out
    assert out == _as_printed_before(ODD_ROWS)
    assert "\\u202e" in out and "\u202e" not in out  # escaped, and means the same character


@pytest.mark.parametrize("count", [0, 1, 1000, 1001, 2345])
def test_csv_printed_as_the_rows_come_is_the_same_text(
    capsys: pytest.CaptureFixture[str], count: int
) -> None:
    rows = [ODD_ROWS[n % len(ODD_ROWS)] | {"amount": n} for n in range(count)]
    emit(rows, JSON_COLUMNS, as_json=False, as_csv=True, empty="none")
    streamed = capsys.readouterr().out
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header for c in JSON_COLUMNS])
    for r in rows:
        writer.writerow([_csv_cell(r[c.key], c) for c in JSON_COLUMNS])
    assert streamed == buffer.getvalue()


def test_json_rows_are_printed_before_the_last_row_is_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    printed_when: list[str] = []

    def rows() -> Iterator[dict[str, object]]:
        for n in range(2500):
            if n == 2400:  # by now the first chunks must be out
                printed_when.append(capsys.readouterr().out)
            yield {"name": f"C{n}", "amount": n, "uin": None}

    emit(rows(), COLUMNS, as_json=True, as_csv=False, empty="none")
    rest = capsys.readouterr().out
    [early] = printed_when
    assert early.startswith('[{"name": "C0", "amount": 0, "uin": null}')
    assert '"C1999"' in early and '"C2400"' not in early
    assert len(json.loads(early + rest)) == 2500
