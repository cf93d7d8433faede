"""Test helpers: build real .xlsx inputs with openpyxl, run the real CLI, re-open outputs.

Tests describe workbooks as data (sheet name -> rows) so that every input is generated
and no binary fixture is needed.

`Cli` runs the command line in this process by default (Click's CliRunner: the same
`main`, arguments, environment and current folder as a real run, without 1-2 s of imports
per call). `Cli(..., subprocess=True)` runs `python -m voucher_batch` in a real process,
for tests where the process itself matters (kills, signals, races, terminals, memory).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess as sp
import sys
import traceback
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
import openpyxl
from click.testing import CliRunner
from openpyxl.worksheet.worksheet import Worksheet

REQUEST_HEADERS = [
    "Request ID",
    "Template Name",
    "Customer UIN",
    "Estimated Revenue",
    "Estimated Conversion Date",
    "Application Reason",
    "Requested By",
]
TEMPLATE_HEADERS = [
    "Template Name",
    "Usage",
    "Payment Mode",
    "Amount",
    "Validity Period",
    "Validity Start",
]
CUSTOMER_HEADERS = ["Customer UIN", "Customer Name", "Bound Since", "Status"]

AS_OF = "2026-11-02"
LATER = date(2027, 3, 31)


@dataclass
class SheetData:
    """One input sheet: rows under a header; options for what a person can and cannot see."""

    rows: list[Sequence[object]]
    header: Sequence[str] | None = None
    title_rows: list[Sequence[object]] = field(default_factory=list)
    hidden_rows: Iterable[int] = ()  # Excel row numbers to hide
    state: str = "visible"  # visible | hidden | veryHidden


def write_workbook(path: Path, sheets: dict[str, SheetData | list[Sequence[object]]]) -> Path:
    """Write `sheets` to `path`. A plain list of rows gets the canonical header of its sheet."""
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for name, spec in sheets.items():
        data = spec if isinstance(spec, SheetData) else SheetData(rows=list(spec))
        ws: Worksheet = wb.create_sheet(name)
        for row in data.title_rows:
            ws.append(list(row))
        header = data.header if data.header is not None else _default_header(name)
        if header:
            ws.append(list(header))
        for row in data.rows:
            ws.append(list(row))
        for r in data.hidden_rows:
            ws.row_dimensions[r].hidden = True
        ws.sheet_state = data.state
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _default_header(name: str) -> list[str]:
    key = name.strip().casefold()
    return {
        "requests": REQUEST_HEADERS,
        "templates": TEMPLATE_HEADERS,
        "customers": CUSTOMER_HEADERS,
    }.get(key, [])


def customer(uin: str, name: str = "Example Co", status: str = "Bound") -> list[object]:
    return [uin, name, date(2025, 1, 6), status]


def template(
    name: str,
    amount: object = 1000,
    usage: str = "Product trial",
    mode: str = "All",
    period: str = "30 days",
    start: str = "From the issuance date",
) -> list[object]:
    return [name, usage, mode, amount, period, start]


def request(
    rid: str,
    tpl: str = "Starter Trial",
    uin: object = "100012340001",
    revenue: object = 5000,
    when: object = LATER,
    reason: object = "Evaluating the service",
    by: object = "ops.analyst",
) -> list[object]:
    return [rid, tpl, uin, revenue, when, reason, by]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


# Variables no run sees, whatever the test process or the test sets (a developer's
# VOUCHER_BATCH_DEBUG would turn the one-line error messages under test into tracebacks).
UNSET = ("VOUCHER_BATCH_DEBUG",)


class Cli:
    """Runs the command line against one ledger, with a folder as the current folder.

    In this process by default; `subprocess=True` runs `python -m voucher_batch`."""

    def __init__(self, folder: Path, ledger: str | None = None, *, subprocess: bool = False):
        self.folder = folder
        self.ledger = ledger or str(folder / "ledger.sqlite3")
        self.out = folder / "out"
        # the decision workbook each input's last run wrote (a later run of the same input
        # never replaces a recorded batch's workbook: it prints the name it chose)
        self.written: dict[str, Path] = {}
        self.subprocess = subprocess

    def as_process(self) -> Cli:
        """The same ledger and folder, in a real process."""
        twin = Cli(self.folder, self.ledger, subprocess=True)
        twin.written = self.written
        return twin

    def __call__(
        self, *args: str, as_of: str = AS_OF, operator: str = "ops.lead", **env: str | None
    ) -> Result:
        """Run `voucher-batch ARGS`; a variable given as None is unset for the run."""
        variables: dict[str, str | None] = {
            "VOUCHER_BATCH_LEDGER": self.ledger,
            "VOUCHER_BATCH_AS_OF": as_of,
            "VOUCHER_BATCH_OPERATOR": operator,
            **env,
        }
        if self.subprocess:
            result = run_process(args, variables, self.folder)
        else:
            result = run_in_process(_main(), args, variables, self.folder)
        source = args[1] if args[:1] == ("ingest",) else args[2] if len(args) > 2 else ""
        for line in result.stdout.splitlines():
            if line.startswith("decisions:") and args[:1] in (("ingest",), ("review",)):
                self.written[Path(source).stem] = self.folder / line.split(":", 1)[1].strip()
        return result

    def ingest(self, workbook: Path, *extra: str, **kw: str) -> Result:
        return self("ingest", str(workbook), "--out-dir", str(self.out), *extra, **kw)

    def quota(self) -> dict[str, int]:
        """The balance as the ledger stands (no as-of: every entry, whatever its date)."""
        result = self("quota", "show", "--json", VOUCHER_BATCH_AS_OF=None)
        assert result.code == 0, result.stderr
        data: dict[str, int] = result.json()
        return data

    def decisions(self, workbook: Path) -> openpyxl.Workbook:
        """The decision workbook the last run of `workbook` wrote."""
        path = self.written.get(workbook.stem, self.out / f"{workbook.stem}-decisions.xlsx")
        return openpyxl.load_workbook(path)


def rows_of(ws: Worksheet) -> list[dict[str, Any]]:
    """The data rows of an output sheet as dicts keyed by its header row."""
    values = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, row, strict=False)) for row in values[1:]]


def ready_ledger(cli: Cli, quota: int = 10_000) -> None:
    """init, a grant, one bound customer 100012340001 and the template 'Starter Trial'."""
    assert cli("init").code == 0
    if quota:
        assert cli("quota", "grant", str(quota), "--by", "sales.rep").code == 0
    setup = write_workbook(
        cli.folder / "setup.xlsx",
        {
            "Customers": [customer("100012340001"), customer("100012340002", "Second Co")],
            "Templates": [template("Starter Trial", 1000)],
        },
    )
    result = cli.ingest(setup)
    assert result.code == 0, result.stderr


# ---- running the command line -----------------------------------------------------------


def _main() -> click.Command:
    from voucher_batch.cli import main

    return main


def run_process(args: Sequence[str], variables: Mapping[str, str | None], folder: Path) -> Result:
    """`python -m voucher_batch ARGS` in `folder`, with this environment plus `variables`
    (those given as None unset)."""
    env = {**os.environ, **{k: v for k, v in variables.items() if v is not None}}
    for name in (*UNSET, *(k for k, v in variables.items() if v is None)):
        env.pop(name, None)
    proc = sp.run(
        [sys.executable, "-m", "voucher_batch", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@contextmanager
def _current_folder(folder: Path) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def _print_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextmanager
def _shown_as_in_a_process() -> Iterator[None]:
    """Warnings and log records go to the command's stderr as they would in a real process
    (Python's default warning filters; the last-resort log handler, WARNING and above).
    pytest would otherwise collect them, and a test checking that stderr holds one line
    would not see them."""
    root = logging.getLogger()
    with warnings.catch_warnings():
        warnings.resetwarnings()
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning):
            warnings.simplefilter("ignore", category)
        warnings.simplefilter("ignore", ResourceWarning)
        warnings.showwarning = _print_warning
        # the product configures no logging: a real process would use logging.lastResort
        root.addHandler(logging.lastResort)  # type: ignore[arg-type]
        try:
            yield
        finally:
            root.removeHandler(logging.lastResort)  # type: ignore[arg-type]


def run_in_process(
    command: click.Command, args: Sequence[str], variables: Mapping[str, str | None], folder: Path
) -> Result:
    """Invoke `command` as `voucher-batch ARGS` in this process, in `folder`, with this
    environment plus `variables` (and without UNSET). The exit code is the process's; an
    exception the command line let through fails the test with its traceback, as it would
    have reached the user as one."""
    runner = CliRunner()
    env: dict[str, str | None] = {name: None for name in UNSET}
    env.update({k: v for k, v in variables.items() if k not in UNSET})
    with _current_folder(folder), _shown_as_in_a_process():
        result = runner.invoke(command, list(args), env=env, prog_name="voucher-batch")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        shown = "".join(traceback.format_exception(*result.exc_info))
        raise AssertionError(
            f"voucher-batch {' '.join(args)} let an exception through (a user would see "
            f"this traceback):\n{shown}\nstderr: {result.stderr}"
        ) from result.exception
    return Result(result.exit_code, result.stdout, result.stderr)
