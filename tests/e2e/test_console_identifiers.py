"""End to end: console identifiers (Voucher ID, Bill ID, a review row's Voucher ID) are one
line of plain text: a control or bidirectional-override character is refused (R15), naming
the cell, and nothing is recorded for that row."""

from __future__ import annotations

import pytest

from tests.e2e.test_console_vouchers import READABLE, TRIAL, UIN1, decisions, run
from tests.e2e.test_review_loop import export, fill, review_import, start
from tests.workbooks import Cli, SheetData, request, write_workbook

SPOOFED = "V-\u202e001"  # a right-to-left override: displays as another voucher's ID
TABBED = "V-\t002"


@pytest.mark.parametrize("what", ["sync", "link"])
def test_a_voucher_id_with_a_control_or_direction_character_is_refused(cli: Cli, what: str) -> None:
    assert cli("init").code == 0
    rows = [
        [SPOOFED, UIN1, "Issued", 1000, 1000, *TRIAL],
        [TABBED, UIN1, "Issued", 1000, 1000, *TRIAL],
        ["V-3", UIN1, "Issued", 1000, 1000, *TRIAL],
    ]
    book = write_workbook(
        cli.folder / "ids.xlsx", {"Vouchers": SheetData(header=READABLE, rows=rows)}
    )
    result, out = run(cli, what, book)
    assert result.code == 1
    assert [r["Decision"] for r in out["Vouchers"]][:2] == ["Refused", "Refused"]
    errors = {e["Cell"]: e["Problem"] for e in out["Errors"]}
    assert set(errors) == {"A2", "A3"}
    assert "U+202E" in errors["A2"] and "U+0009" in errors["A3"]
    assert all("R15" in p for p in errors.values())
    if what == "sync":  # the plain one is still kept
        assert decisions(out["Vouchers"])["V-3"] == "Unknown voucher"
        listed = cli("vouchers", "list", "--console-status", "issued", "--json")
        assert listed.code == 0 and listed.json() == []


def test_a_bill_or_voucher_id_with_a_control_character_is_refused_in_usage(cli: Cli) -> None:
    assert cli("init").code == 0
    rows = [["V-1", "B-\u202e1", 10], [SPOOFED, "B-2", 10], ["V-1", "B-3", 10]]
    book = write_workbook(
        cli.folder / "usage.xlsx",
        {"Usage": SheetData(header=["VoucherId", "BillId", "Amount"], rows=rows)},
    )
    result, out = run(cli, "usage", book)
    assert result.code == 1
    assert [r["Decision"] for r in out["Usage"]] == ["Refused", "Refused", "Recorded"]
    assert {e["Cell"] for e in out["Errors"]} == {"B2", "A3"}
    _, out = run(cli, "usage", book)
    assert [r["Decision"] for r in out["Usage"]] == ["Refused", "Refused", "Unchanged"]


def test_a_review_voucher_id_with_a_direction_character_is_refused(cli: Cli) -> None:
    ids = start(cli, [request("R-1", uin=UIN1), request("R-2", uin=UIN1)])
    i1, i2 = ids["R-1"], ids["R-2"]
    book = export(cli, "2026-11-03")
    filled = fill(
        book,
        cli.folder / "filled.xlsx",
        {
            i1: {"Decision": "Approve", "Voucher ID": SPOOFED},
            i2: {"Decision": "Approve", "Voucher ID": "V-2"},
        },
    )
    result, rows, errors = review_import(cli, filled, "2026-11-03")
    assert result.code == 1
    assert rows[i1]["Decision"] == "Refused" and rows[i2]["Decision"] == "Approved"
    assert "U+202E" in rows[i1]["Reason"] and "R15" in rows[i1]["Reason"]
    assert [e["Column"] for e in errors] == ["Voucher ID"]
    listed = {v["issuance_id"]: v["voucher_id"] for v in cli("vouchers", "list", "--json").json()}
    assert listed == {i1: None, i2: "V-2"}
