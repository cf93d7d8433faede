"""End to end: the monthly report's after-approval figures are by business date, like every
other figure of the report: a sync or a deal recorded after the month (on a later business
date) does not change what the month's report says when it is written again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.test_console_vouchers import (
    CONSOLE,
    GROWTH,
    TRIAL,
    UIN2,
    USAGE,
    approved_ledger,
    console_row,
    run,
)
from tests.workbooks import Cli, SheetData, write_workbook


def _vouchers(cli: Cli, name: str, rows: list[list[object]]) -> Path:
    return write_workbook(cli.folder / name, {"Vouchers": SheetData(header=CONSOLE, rows=rows)})


def _report(cli: Cli, month: str, as_of: str) -> dict[str, Any]:
    result = cli("report", "monthly", "--month", month, "--json", "--out-dir",
                 str(cli.folder / f"report-{as_of}"), as_of=as_of)  # fmt: skip
    assert result.code == 0, result.stderr
    got: dict[str, Any] = result.json()
    return got


def test_a_later_sync_or_deal_does_not_change_an_earlier_months_follow_up(cli: Cli) -> None:
    ids = approved_ledger(cli)
    november = [
        console_row("V-3", UIN2, "Issued", 1000, 1000, TRIAL),
        console_row("V-4", UIN2, "Issued", 2000, 1500, GROWTH),
    ]
    book = _vouchers(cli, "november.xlsx", november)
    for what in ("link", "sync"):
        result, _ = run(cli, what, book, as_of="2026-11-20")
        assert result.code == 0, result.stderr
    before = _report(cli, "2026-11", "2026-12-01")
    assert before["used_amount"] == 500

    december = [
        console_row("V-3", UIN2, "Expired", 1000, 1000, TRIAL),
        console_row("V-4", UIN2, "Used", 2000, 0, GROWTH),
    ]
    result, _ = run(cli, "sync", _vouchers(cli, "december.xlsx", december), as_of="2026-12-10")
    assert result.code == 0, result.stderr
    deals = write_workbook(
        cli.folder / "usage.xlsx",
        {"Usage": SheetData(header=USAGE, rows=[["V-4", "Deal", "B-1", 2000, "prepaid", "cvm",
                                                 "CVM", "2026-12-09 10:00:00", UIN2]])},
    )  # fmt: skip
    result, _ = run(cli, "usage", deals, as_of="2026-12-10")
    assert result.code == 0, result.stderr

    again = _report(cli, "2026-11", "2026-12-20")
    keys = ("approved_amount", "used_amount", "utilisation", "utilisation_by_template",
            "utilisation_by_customer", "unused_expiring", "expired_unused")  # fmt: skip
    assert {k: again[k] for k in keys} == {k: before[k] for k in keys}
    assert again["expired_unused"] == []
    # the month of the later sync shows it
    later = _report(cli, "2026-12", "2026-12-20")
    assert later["used_amount"] == 2000
    assert [v["issuance_id"] for v in later["expired_unused"]] == [ids["R-3"]]


def test_vouchers_list_as_of_a_date_shows_the_console_as_synced_by_then(cli: Cli) -> None:
    ids = approved_ledger(cli)
    book = _vouchers(cli, "november.xlsx", [console_row("V-4", UIN2, "Issued", 2000, 1500, GROWTH)])
    for what in ("link", "sync"):
        result, _ = run(cli, what, book, as_of="2026-11-20")
        assert result.code == 0, result.stderr
    later = _vouchers(cli, "december.xlsx", [console_row("V-4", UIN2, "Used", 2000, 0, GROWTH)])
    result, _ = run(cli, "sync", later, as_of="2026-12-10")
    assert result.code == 0, result.stderr

    def listed(as_of: str, *extra: str) -> dict[str, Any]:
        result = cli("vouchers", "list", "--json", *extra, as_of=as_of)
        assert result.code == 0, result.stderr
        return {v["issuance_id"]: v for v in result.json()}

    then = listed("2026-11-25")[ids["R-4"]]
    assert (then["console_status"], then["used_amount"], then["remaining_amount"]) == (
        "Issued", 500, 1500,
    )  # fmt: skip
    assert ids["R-4"] in listed("2026-11-25", "--console-status", "issued")
    assert ids["R-4"] not in listed("2026-11-25", "--console-status", "used")
    now = listed("2026-12-20")[ids["R-4"]]
    assert (now["console_status"], now["used_amount"]) == ("Used", 2000)
