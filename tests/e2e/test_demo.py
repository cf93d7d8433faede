"""`voucher-batch demo`: the whole flow on the sample sheets; every output it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

from tests.workbooks import run_in_process
from voucher_batch.cli import main


def test_demo_runs_the_whole_flow_and_names_its_outputs(tmp_path: Path) -> None:
    # no ledger, business date or operator from the environment: the demo's own defaults
    proc = run_in_process(main, ["demo", "--dir", str(tmp_path / "demo")], {}, tmp_path)
    assert proc.code == 0, proc.stderr
    named = re.findall(r"(/\S+\.(?:xlsx|html|sqlite3))", proc.stdout)
    assert len(named) >= 7
    for path in named:
        assert Path(path).is_file(), path
    assert "50 already submitted" in proc.stdout  # the replay issued nothing twice
    # the sample console exports fit the demo ledger: every voucher links, nothing is refused
    [console] = [line for line in proc.stdout.splitlines() if "console vouchers" in line]
    assert "refused" not in console and "no match" in console, console
    wb = openpyxl.load_workbook(tmp_path / "demo" / "reports" / "partner-ops-batch-decisions.xlsx")
    assert wb.sheetnames == ["Customers", "Templates", "Requests", "Errors", "Summary"]
    reasons = " ".join(
        str(r[-4])
        for r in wb["Requests"].iter_rows(min_row=2, values_only=True)
        if r[-5] == "Refused"
    )
    for kind in ("quota", "not a known bound customer", "ambiguous", "is required", "whole number"):
        assert kind in reasons, kind
