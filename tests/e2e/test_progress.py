"""Progress goes to stderr, and only when stderr is a terminal; stdout stays clean.

Real processes: whether stderr is a terminal is what is under test."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.workbooks import AS_OF, Cli, customer, request, template, write_workbook

# a real process on a real terminal is what is tested
pytestmark = pytest.mark.process


def _run(folder: Path, *args: str, tty: bool) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "VOUCHER_BATCH_LEDGER": str(folder / "l.sqlite3"),
        "VOUCHER_BATCH_AS_OF": AS_OF,
        "VOUCHER_BATCH_OPERATOR": "ops.lead",
    }
    if not tty:
        proc = subprocess.run(
            [sys.executable, "-m", "voucher_batch", *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return proc.returncode, proc.stdout, proc.stderr
    master, slave = pty.openpty()
    proc2 = subprocess.Popen(
        [sys.executable, "-m", "voucher_batch", *args],
        cwd=folder,
        env={**env, "TERM": "xterm", "COLUMNS": "160"},
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:  # the terminal is read while the command runs, as a terminal is
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = proc2.communicate(timeout=120)
    reader.join(timeout=30)
    os.close(master)
    return proc2.returncode, out, b"".join(chunks).decode()


ROWS = 3_000


def _big_book(folder: Path) -> Path:
    """A few thousand request rows: long enough for every phase to have a total."""
    return write_workbook(
        folder / "big.xlsx",
        {
            "Customers": [customer("100012340001")],
            "Templates": [template("Starter Trial", 1)],
            "Requests": [request(f"R-{i}") for i in range(ROWS)],
        },
    )


def _plain(err: str) -> str:
    """What a terminal shows, without its control sequences."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err)


def test_a_terminal_sees_each_phase_with_its_totals(tmp_path: Path) -> None:
    assert Cli(tmp_path, str(tmp_path / "l.sqlite3"))("init").code == 0
    assert (
        Cli(tmp_path, str(tmp_path / "l.sqlite3"))("quota", "grant", "5000", "--by", "s.r").code
        == 0
    )
    book = _big_book(tmp_path)
    code, out, err = _run(tmp_path, "ingest", str(book), tty=True)
    assert code == 0, err
    shown = _plain(err)
    # rows read of the rows the sheet spans (header included), thousands separated
    assert "reading Requests" in shown
    assert f"{ROWS + 1:,} / {ROWS + 1:,}" in shown
    for phase in ("checking cells", "deciding", "recording", "writing outputs"):
        assert phase in shown
    assert f"{ROWS + 2:,} / {ROWS + 2:,}" in shown  # rows checked: 3,000 requests + 2 more
    # both files written: every row of the decision workbook (its sheets, Errors, Summary)
    # and of the report, counted as they are written
    done, total = re.findall(r"writing outputs\D*([0-9,]+) / ([0-9,]+)", shown)[-1]
    assert done == total and int(total.replace(",", "")) > 2 * (ROWS + 2)
    assert "/s" in shown  # the rate
    # the command's own lines stay on stdout, counts thousands separated
    assert f"Requests: {ROWS:,} pending approval" in out
    assert "reading" not in out


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    assert Cli(tmp_path, str(tmp_path / "l.sqlite3"))("init").code == 0
    book = write_workbook(tmp_path / "b.xlsx", {"Requests": [request("R-1")]})
    code, _out, err = _run(tmp_path, "ingest", str(book), tty=False)
    assert code == 1  # the template and customer do not exist: refused, but it ran
    assert err == ""


def test_json_stays_parseable_with_a_terminal_on_stderr(tmp_path: Path) -> None:
    assert Cli(tmp_path, str(tmp_path / "l.sqlite3"))("init").code == 0
    code, out, err = _run(tmp_path, "report", "monthly", "--month", "2026-11", "--json", tty=True)
    assert code == 0
    assert json.loads(out)["month"] == "2026-11"  # stdout is nothing but the JSON
    assert "computing" in _plain(err)
