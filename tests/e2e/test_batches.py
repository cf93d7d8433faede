"""`batches list` and `batches show`: every recorded batch keeps its rows (R17), so its
decision workbook and report can be rebuilt, equal to the originals, on both engines."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl

from tests.workbooks import (
    AS_OF,
    REQUEST_HEADERS,
    Cli,
    SheetData,
    customer,
    ready_ledger,
    request,
    rows_of,
    write_workbook,
)

REVIEW_HEADER_ROW = 4  # title, note, blank line, header (see test_review_loop)


def cells(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's values, with each cell's number format, fill, comment and link."""
    book = openpyxl.load_workbook(path)
    return {
        ws.title: [
            [
                (
                    c.value,
                    c.number_format,
                    c.fill.fgColor.rgb,
                    c.comment.text if c.comment else "",
                    c.hyperlink.location if c.hyperlink else None,
                )
                for c in row
            ]
            for row in ws.iter_rows()
        ]
        for ws in book.worksheets
    }


def fill_review(src: Path, dst: Path, decisions: dict[str, tuple[str, str | None]]) -> Path:
    book = openpyxl.load_workbook(src)
    ws = book["Review"]
    cols = {str(c.value): c.column for c in ws[REVIEW_HEADER_ROW] if c.value is not None}
    for r in range(REVIEW_HEADER_ROW + 1, ws.max_row + 1):
        iid = ws.cell(r, cols["Issuance ID"]).value
        if iid in decisions:
            decision, comment = decisions[str(iid)]
            ws.cell(r, cols["Decision"]).value = decision
            ws.cell(r, cols["Review Comment"]).value = comment
    book.save(dst)
    return dst


def record_three_batches(cli: Cli) -> dict[int, Path]:
    """On a ready ledger (batch 1): an ingest with accepted and refused rows and typed cells
    of every kind (batch 2), a re-send with already-submitted rows (batch 3), a review import
    (batch 4). Returns batch id -> the input workbook."""
    header = [*REQUEST_HEADERS, "Notes"]
    typed = [
        [*request("R-1"), 1.0],  # a whole-number float
        [*request("R-2"), True],
        [*request("R-3", revenue="12.5"), datetime(2026, 10, 1, 8, 30)],  # refused: D cell
        [*request("R-4", tpl="No Such Template"), time(9, 15)],
        [*request("R-5", uin=100012340001), -0.5],  # an integral numeric UIN
        [*request("R-6", revenue=None), "+cmd|x"],
    ]
    first = write_workbook(
        cli.folder / "first.xlsx",
        {
            "Customers": [customer("100012340003", "Third Co")],
            " requests ": SheetData(rows=typed, header=header, title_rows=[["November batch"]]),
            "Templates": SheetData(rows=[], state="hidden"),
        },
    )
    assert cli.ingest(first).code == 1
    again = write_workbook(
        cli.folder / "again.xlsx",
        {"Requests": [request("R-1"), request("R-7", when=date(2020, 1, 1)), request("R-8")]},
    )
    assert cli.ingest(again).code == 1
    export = cli("review", "export", "--out-dir", str(cli.folder / "export"), as_of=AS_OF)
    assert export.code == 0, export.stderr
    ids = {
        r["Request ID"]: r["Issuance ID"]
        for r in rows_of(cli.decisions(first)[" requests "])
        if r["Issuance ID"]
    }
    filled = fill_review(
        cli.folder / "export" / f"review-{AS_OF}.xlsx",
        cli.folder / "reviewed.xlsx",
        {ids["R-1"]: ("Approve", None), ids["R-2"]: ("Reject", "not this quarter")},
    )
    result = cli(
        "review", "import", str(filled), "--out-dir", str(cli.out), "--reviewer", "reviewer.one"
    )
    assert result.code == 0, result.stderr
    return {2: first, 3: again, 4: filled}


def test_rebuilt_outputs_equal_the_originals(cli: Cli) -> None:
    ready_ledger(cli, quota=2500)
    books = record_three_batches(cli)
    original = cli.folder / "original"
    shutil.copytree(cli.out, original)
    shutil.rmtree(cli.out)
    rebuilt = cli.folder / "rebuilt"
    for batch_id, book in books.items():
        result = cli("batches", "show", str(batch_id), "--out-dir", str(rebuilt))
        assert result.code == 0, result.stderr
        decisions = rebuilt / f"{book.stem}-decisions.xlsx"
        report = rebuilt / f"{book.stem}-report.html"
        assert f"decisions: {decisions}" in result.stdout
        # every sheet, every cell: values, number formats, tints, comments and links
        assert cells(decisions) == cells(original / decisions.name), book.name
        assert report.read_text() == (original / report.name).read_text()
    first = openpyxl.load_workbook(rebuilt / "first-decisions.xlsx")
    links = [row[2].hyperlink for row in first["Errors"].iter_rows(min_row=2)]
    assert links and all(link is not None and link.location for link in links)
    assert first.sheetnames == ["Customers", " requests ", "Errors", "Summary"]
    by_id = {r["Request ID"]: r for r in rows_of(first[" requests "])}
    assert by_id["R-1"]["Decision"] == "Pending approval" and by_id["R-1"]["Row"] == 3
    assert by_id["R-2"]["Notes"] is True and by_id["R-3"]["Notes"] == datetime(2026, 10, 1, 8, 30)
    assert by_id["R-3"]["Decision"] == "Refused" and by_id["R-6"]["Notes"] == "+cmd|x"
    errors = {(e["Row"], e["Cell"]) for e in rows_of(first["Errors"])}
    assert (5, "D5") in errors  # cell references come out as the input's
    summary = {r["Item"]: r["Value"] for r in rows_of(first["Summary"])}
    assert summary["Hidden sheets skipped"] == "Templates"
    again_book = openpyxl.load_workbook(rebuilt / "again-decisions.xlsx")
    again = {r["Request ID"]: r["Decision"] for r in rows_of(again_book["Requests"])}
    assert again == {"R-1": "Already submitted", "R-7": "Refused", "R-8": "Refused"}
    verified = cli("ledger", "verify")
    assert verified.code == 0, verified.stdout


def test_show_never_replaces_a_file(cli: Cli) -> None:
    ready_ledger(cli, quota=2500)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    assert cli.ingest(book).code == 0
    original = cli.out / "batch-decisions.xlsx"
    edited = b"a workbook a person edited"
    original.write_bytes(edited)
    first = cli("batches", "show", "2", "--out-dir", str(cli.out))
    second = cli("batches", "show", "2", "--out-dir", str(cli.out))
    assert first.code == 0 and second.code == 0, first.stderr + second.stderr
    assert original.read_bytes() == edited
    assert (cli.out / "batch-batch-2-decisions.xlsx").is_file()
    assert (cli.out / "batch-batch-2-report.html").is_file()
    assert f"decisions: {cli.out / 'batch-batch-2-2-decisions.xlsx'}" in second.stdout
    assert (cli.out / "batch-batch-2-2-report.html").is_file()


def test_list_and_show_as_json_and_unknown_batch(cli: Cli) -> None:
    ready_ledger(cli, quota=2500)
    book = write_workbook(
        cli.folder / "batch.xlsx", {"Requests": [request("R-1"), request("R-2", revenue=-1)]}
    )
    assert cli.ingest(book, operator="ops.analyst").code == 1
    listed = cli("batches", "list", "--json")
    assert listed.code == 0, listed.stderr
    batches = listed.json()
    assert [set(b) for b in batches] == [
        {"id", "kind", "file_name", "operator", "business_date", "recorded_at", "counts"}
    ] * 2
    last = batches[-1]
    assert (last["id"], last["kind"], last["file_name"], last["operator"]) == (
        2,
        "ingest",
        "batch.xlsx",
        "ops.analyst",
    )
    assert last["business_date"] == AS_OF
    assert last["counts"] == {
        "Requests": {"Pending approval": 1, "Already submitted": 0, "Refused": 1}
    }
    shown = cli("batches", "show", "2", "--json")
    assert shown.code == 0, shown.stderr
    data = shown.json()
    assert data["rows_kept"] is True and data["decisions"] is None
    assert data["before"]["remaining"] == 2500 and data["after"]["remaining"] == 1500
    text = cli("batches", "show", "2")
    assert "1 pending approval" in text.stdout and "remaining 2,500 -> 1,500" in text.stdout
    missing = cli("batches", "show", "99", "--out-dir", str(cli.folder / "nowhere"))
    assert missing.code == 2
    [line] = missing.stderr.strip().splitlines()
    assert line.startswith("voucher-batch: ledger ") and line.endswith(
        "has no batch 99 (the last batch is 2; 'voucher-batch batches list' shows them)"
    )
    assert not (cli.folder / "nowhere").exists()
