"""A batch's decision sheets and kept rows are made row by row as they are written or stored;
they hold what the rows and decisions say, whatever order the decisions come in.

The rows of a real workbook, read by the reader, are decided here by hand (accepted and
refused rows, problems on cells and on whole rows); the decision workbook written from rows
made as written must be, sheet for sheet, byte for byte, the workbook written from the same
rows held as lists; decisions in another order give the same workbook and the same kept rows.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl

from tests.workbooks import REQUEST_HEADERS, SheetData, customer, request, write_workbook
from voucher_batch.domain.batch import RowDecision
from voucher_batch.domain.problems import Code, Decided, Problem
from voucher_batch.domain.quota import Balance
from voucher_batch.services.keeping import keep_batch
from voucher_batch.services.outputs import BatchFacts, BatchOutputs, build_batch_outputs
from voucher_batch.workbook.reader import RawSheet, read_workbook
from voucher_batch.workbook.writer import Table


def _sheets(tmp_path: Path) -> list[RawSheet]:
    requests: list[Sequence[object]] = [
        [
            *request(f"R-{i}", revenue=[5000, "12.5", None][i % 3], when=date(2027, 1, 1 + i % 28)),
            f"note {i}",
        ]
        for i in range(40)
    ]
    source = write_workbook(
        tmp_path / "in.xlsx",
        {
            "Customers": [customer(f"10001234000{i}", f"Co {i}") for i in range(5)],
            "Requests": SheetData(rows=requests, header=[*REQUEST_HEADERS, "Notes"]),
        },
    )
    return read_workbook(source).sheets


def _decisions(sheets: list[RawSheet]) -> list[Decided]:
    out: list[Decided] = []
    remaining = 1_000
    for sheet in sheets:
        for n, raw in enumerate(sheet.rows):
            if n % 3 == 1:
                problems = [
                    Problem(
                        sheet.title,
                        raw.row,
                        "Estimated Revenue",
                        "12.5",
                        Code.NOT_WHOLE_NUMBER,
                        "Estimated Revenue: not a whole number",
                    ),
                    Problem(sheet.title, raw.row, None, None, Code.QUOTA_EXCEEDED, "no room"),
                ]
                out.append(
                    RowDecision(sheet.title, raw.row, "Refused", problems, "", 10, remaining)
                )
            elif sheet.spec.name == "Requests":
                remaining -= 10
                issued = f"ISS-{n:06d}"
                out.append(
                    RowDecision(sheet.title, raw.row, "Pending approval", [], issued, 10, remaining)
                )
            else:
                out.append(RowDecision(sheet.title, raw.row, "Added", []))
    return out


def _outputs(sheets: list[RawSheet], decisions: list[Decided]) -> BatchOutputs:
    facts = BatchFacts(
        kind="Ingest",
        file_name="in.xlsx",
        sha256="0" * 64,
        operator="ops.lead",
        business_date=date(2026, 11, 2),
        ledger="ledger.sqlite3",
        recorded=True,
        not_recorded_reason="",
        counts={"Requests": {"Pending approval": 1}},
        before=Balance(1_000, 0, 0, 0),
        after=Balance(1_000, 10, 0, 0),
        recorded_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
    )
    return build_batch_outputs(facts, sheets, decisions)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}


def test_rows_made_as_written_write_the_sheets_their_lists_write(tmp_path: Path) -> None:
    sheets = _sheets(tmp_path)
    outputs = _outputs(sheets, _decisions(sheets))
    made = tmp_path / "made.xlsx"
    outputs.write_decisions(made)
    held = tmp_path / "held.xlsx"
    tables = [replace(t, rows=[list(r) for r in t.rows]) for t in outputs.tables]
    BatchOutputs(tables, outputs.report).write_decisions(held)
    assert _parts(made) == _parts(held)
    requests = openpyxl.load_workbook(made)["Requests"]
    rows = list(requests.iter_rows(values_only=True))
    assert rows[0][-6:] == ("Row", "Decision", "Reason", "Issuance ID", "Amount", "Remaining Quota")
    assert len(rows) == 41
    assert rows[2][-6:-3] == (
        3,
        "Refused",
        "Estimated Revenue: not a whole number; no room",
    )
    assert rows[1][-3:] == ("ISS-000000", 10, 990)


def test_rows_read_by_position_are_the_rows_written(tmp_path: Path) -> None:
    sheets = _sheets(tmp_path)
    table: Table = _outputs(sheets, _decisions(sheets)).tables[1]
    listed = list(table.rows)
    assert len(table.rows) == len(listed) == 40
    assert [table.rows[i] for i in (0, 7, -1)] == [listed[0], listed[7], listed[-1]]
    assert table.rows[3:9:2] == listed[3:9:2]


def test_decisions_in_another_order_give_the_same_outputs_and_kept_rows(tmp_path: Path) -> None:
    sheets = _sheets(tmp_path)
    decisions = _decisions(sheets)
    shuffled = list(decisions)
    random.Random(7).shuffle(shuffled)
    in_order, other = tmp_path / "in-order.xlsx", tmp_path / "other.xlsx"
    _outputs(sheets, decisions).write_decisions(in_order)
    _outputs(sheets, shuffled).write_decisions(other)
    assert _parts(in_order) == _parts(other)
    balance = Balance(1_000, 0, 0, 0)
    kept = keep_batch("Ingest", {}, balance, balance, [], sheets, decisions)
    kept_other = keep_batch("Ingest", {}, balance, balance, [], sheets, shuffled)
    listed = list(kept.rows)
    assert listed == list(kept_other.rows)
    assert len(kept.rows) == len(listed) == 45
    assert [kept.rows[i] for i in (0, 5, -1)] == [listed[0], listed[5], listed[-1]]
    assert kept.rows[4:8] == listed[4:8]
    first_request = kept.rows[5]
    assert (first_request.sheet_no, first_request.row, first_request.issuance_id) == (
        1,
        2,
        "ISS-000000",
    )
    assert first_request.values[:2] == ["R-0", "Starter Trial"]
