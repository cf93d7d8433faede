"""End to end: a voucher not issued through this ledger stays `Unknown voucher` in every
sync that brings something new about it (kept and flagged), never counted as `Updated`."""

from __future__ import annotations

from tests.e2e.test_console_vouchers import READABLE, STRANGER, TRIAL, decisions, run
from tests.workbooks import Cli, SheetData, write_workbook


def test_an_unknown_voucher_that_changes_is_still_unknown(cli: Cli) -> None:
    assert cli("init").code == 0
    rows = [["V-X", STRANGER, "Issued", 500, 500, *TRIAL]]
    first = write_workbook(
        cli.folder / "first.xlsx", {"Vouchers": SheetData(header=READABLE, rows=rows)}
    )
    result, out = run(cli, "sync", first)
    assert result.code == 0 and decisions(out["Vouchers"]) == {"V-X": "Unknown voucher"}

    rows = [["V-X", STRANGER, "Used", 500, 0, *TRIAL]]
    later = write_workbook(
        cli.folder / "later.xlsx", {"Vouchers": SheetData(header=READABLE, rows=rows)}
    )
    result, out = run(cli, "sync", later)
    assert result.code == 0, result.stderr
    assert decisions(out["Vouchers"]) == {"V-X": "Unknown voucher"}
    assert "not issued through this ledger" in out["Vouchers"][0]["Flags"]
    summary = {r["Decision"]: r["Rows"] for r in out["Summary"]}
    assert summary["Updated"] == 0 and summary["Unknown voucher"] == 1
    assert "recorded" in result.stderr.splitlines()  # the new snapshot is kept
    result, out = run(cli, "sync", later)
    assert decisions(out["Vouchers"]) == {"V-X": "Unchanged"}
    assert "nothing new to record" in result.stderr
