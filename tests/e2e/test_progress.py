"""Progress goes to stderr, and only when stderr is a terminal; stdout stays clean.

Real processes: whether stderr is a terminal is what is under test."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.workbooks import AS_OF, Cli, request, write_workbook


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
        env=env,
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
    )
    os.close(slave)
    out, _ = proc2.communicate(timeout=120)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc2.returncode, out, b"".join(chunks).decode()


def test_progress_only_on_a_terminal_and_json_stays_clean(tmp_path: Path) -> None:
    assert Cli(tmp_path, str(tmp_path / "l.sqlite3"))("init").code == 0
    book = write_workbook(tmp_path / "b.xlsx", {"Requests": [request("R-1")]})
    code, _out, err = _run(tmp_path, "ingest", str(book), tty=True)
    assert code == 1  # the template and customer do not exist: refused, but it ran
    assert "reading b.xlsx" in err and "writing outputs" in err
    code, _out, err = _run(tmp_path, "ingest", str(book), tty=False)
    assert "reading" not in err and err == ""
    code, out, err = _run(tmp_path, "report", "monthly", "--month", "2026-11", "--json", tty=True)
    assert code == 0
    assert json.loads(out)["month"] == "2026-11"  # stdout is nothing but the JSON
    assert "computing" in err
