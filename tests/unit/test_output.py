"""The listing printer (cli/output.py): columns line up on a terminal, wide characters
included; numbers right-aligned with thousands separators; CSV keeps formulas as text."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest

from voucher_batch.cli.output import Column, emit

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
