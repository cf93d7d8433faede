"""`voucher-batch demo`: the whole flow on the sample sheets; every output it names exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import openpyxl


def test_demo_runs_the_whole_flow_and_names_its_outputs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "voucher_batch", "demo", "--dir", str(tmp_path / "demo")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    named = re.findall(r"(/\S+\.(?:xlsx|html|sqlite3))", proc.stdout)
    assert len(named) >= 7
    for path in named:
        assert Path(path).is_file(), path
    assert "50 already submitted" in proc.stdout  # the replay issued nothing twice
    wb = openpyxl.load_workbook(tmp_path / "demo" / "reports" / "partner-ops-batch-decisions.xlsx")
    assert wb.sheetnames == ["Customers", "Templates", "Requests", "Errors", "Summary"]
    reasons = " ".join(
        str(r[-4])
        for r in wb["Requests"].iter_rows(min_row=2, values_only=True)
        if r[-5] == "Refused"
    )
    for kind in ("quota", "not a known bound customer", "ambiguous", "is required", "whole number"):
        assert kind in reasons, kind
