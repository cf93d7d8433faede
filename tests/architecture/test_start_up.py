"""Help and completion start fast: `voucher-batch --help`, `voucher-batch ingest --help` and
a completion request load none of the data stack (the use cases load when a command runs).
Checked in a fresh process by what is in `sys.modules`, not by timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ["pandas", "pandera", "sqlalchemy", "openpyxl", "xlsxwriter", "jinja2", "matplotlib",
         "alembic", "numpy", "holidays"]  # fmt: skip

PROBE = """
import json, sys
from voucher_batch.cli import main
try:
    main(sys.argv[1:], prog_name="voucher-batch")
except SystemExit:
    pass
sys.stdout = sys.__stdout__
print("\\nLOADED=" + json.dumps(sorted(h for h in {heavy!r} if h in sys.modules)))
"""


def _loaded(args: list[str], **env: str) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    marker = proc.stdout.rsplit("LOADED=", 1)
    assert len(marker) == 2, proc.stdout + proc.stderr
    loaded: list[str] = json.loads(marker[1])
    return loaded


@pytest.mark.parametrize(
    "args",
    [["--help"], ["ingest", "--help"], ["review", "import", "--help"], ["templates", "list", "-h"]],
    ids=" ".join,
)
def test_help_loads_no_data_stack(args: list[str]) -> None:
    assert _loaded(args) == []


def test_completion_loads_no_data_stack() -> None:
    env = {
        "_VOUCHER_BATCH_COMPLETE": "bash_complete",
        "COMP_WORDS": "voucher-batch templates list --usage ",
        "COMP_CWORD": "4",
    }
    assert _loaded([], **env) == []


def test_the_probe_sees_a_command_that_loads_the_stack(tmp_path: object) -> None:
    """The check itself can fail: a command that runs loads SQLAlchemy."""
    assert "sqlalchemy" in _loaded(["--ledger", f"{tmp_path}/l.sqlite3", "quota", "show"])
