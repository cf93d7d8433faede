"""The decision workbook written by a second process while the batch is recorded
(`services/write_ahead.py`): the same file as one written after the commit, whatever
happens to the second process, and nothing left behind when the run ends early.

The test suite sets VOUCHER_BATCH_BACKGROUND_WRITE_ROWS=1 (tests/conftest.py), so every
recorded batch of every other test is written this way too; the tests here set it high
where they need the workbook written after the commit, as a small batch is by default.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.e2e.test_equivalence import build
from tests.workbooks import AS_OF, Cli, ready_ledger, request, rows_of, write_workbook
from voucher_batch.atomic import TEMP_PREFIX
from voucher_batch.domain.quota import Balance
from voucher_batch.services import write_ahead
from voucher_batch.services.outputs import BatchFacts, build_tables
from voucher_batch.services.writing import write_batch_files
from voucher_batch.workbook import writer
from voucher_batch.workbook.writer import write_workbook as write_workbook_of

AHEAD = {"VOUCHER_BATCH_BACKGROUND_WRITE_ROWS": "1"}
AFTER = {"VOUCHER_BATCH_BACKGROUND_WRITE_ROWS": str(10**9)}
QUOTA = 12_000_000


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[write_ahead.WriteAhead | None]]:
    """Every second process a run starts (None: the run wrote the workbook itself)."""
    seen: list[write_ahead.WriteAhead | None] = []
    real = write_ahead.start

    def spy(*args: object) -> write_ahead.WriteAhead | None:
        ahead = real(*args)  # type: ignore[arg-type]
        seen.append(ahead)
        return ahead

    monkeypatch.setattr("voucher_batch.services.runner.start", spy)
    yield seen


def _parts(path: Path) -> dict[str, bytes]:
    """Every part of a workbook but its creation time."""
    with zipfile.ZipFile(path) as book:
        return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}


def _ingest(folder: Path, source: Path, out: str, **env: str) -> tuple[Cli, Path]:
    """`source` ingested into a fresh ledger at one path (the Summary sheet names it)."""
    cli = Cli(folder)
    Path(cli.ledger).unlink(missing_ok=True)
    cli.out = folder / out
    ready_ledger(cli, quota=QUOTA)
    result = cli.ingest(source, **env)
    assert result.code == 1, result.stderr  # some rows are refused
    return cli, cli.out / f"{source.stem}-decisions.xlsx"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def test_the_workbook_written_ahead_is_the_one_written_after_the_commit(
    tmp_path: Path, started: list[write_ahead.WriteAhead | None]
) -> None:
    source = build(tmp_path / "mixed.xlsx")  # every kind of bad cell among good rows
    _, ahead = _ingest(tmp_path, source, "ahead", **AHEAD)
    assert started[-1] is not None
    _, after = _ingest(tmp_path, source, "after", **AFTER)
    assert started[-1] is None
    assert _parts(ahead) == _parts(after)
    assert _leftovers(ahead.parent) == [] and _leftovers(after.parent) == []


# the second process's work in place of `write_ahead._write` (a fresh interpreter imports
# this module to run them)


def _raises(*_args: object, **_kwargs: object) -> None:
    raise OSError(28, "No space left on device")


def _killed(*_args: object, **_kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _lost(*args: object, **_kwargs: object) -> None:
    """Says it wrote the workbook, which is not there (a path that named another file)."""
    tell = args[3]  # `send`, after the scratch folder, the target and the sheets
    assert callable(tell)
    tell("rows 0")
    tell("ok")


_FAILING = {"raises": _raises, "killed": _killed, "lost": _lost}


@pytest.mark.parametrize("how", ["raises", "killed", "lost"])
def test_a_failed_second_process_leaves_the_run_to_write_the_workbook(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: list[write_ahead.WriteAhead | None],
    how: str,
) -> None:
    source = build(tmp_path / "mixed.xlsx")
    _, expected = _ingest(tmp_path, source, "after", **AFTER)
    monkeypatch.setattr(write_ahead, "_write", _FAILING[how])
    cli, written = _ingest(tmp_path, source, "ahead", **AHEAD)
    ahead = started[-1]
    assert ahead is not None
    assert ahead.error == ("OSError: [Errno 28] No space left on device" if how == "raises" else "")
    assert _parts(written) == _parts(expected)
    assert _leftovers(written.parent) == []
    assert cli("ledger", "verify").code == 0
    with pytest.raises(ChildProcessError):  # the second process was waited for
        os.waitpid(ahead.process.pid, os.WNOHANG)


def _facts(recorded: bool) -> BatchFacts:
    return BatchFacts(
        kind="Ingest",
        file_name="b.xlsx",
        sha256="0" * 64,
        operator="ops.lead",
        business_date=date(2026, 11, 2),
        ledger="ledger.sqlite3",
        recorded=recorded,
        not_recorded_reason="" if recorded else "all-or-nothing: 1 row(s) refused",
        counts={"Requests": {"Pending approval": 1}},
        before=Balance(5000, 0, 0, 0),
        after=Balance(5000, 1000, 0, 0),
    )


def _summary(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)["Summary"]
    return {str(r[0]): r[1] for r in ws.iter_rows(min_row=2, values_only=True)}


def _one_request(folder: Path) -> tuple[Any, list[Any]]:
    """A workbook of one request, as read, and its decision (pending approval)."""
    from voucher_batch.domain.batch import RowDecision
    from voucher_batch.workbook.reader import read_workbook
    from voucher_batch.workbook.sheets import INPUT_SHEETS

    source = write_workbook(folder / "b.xlsx", {"Requests": [request("R-1")]})
    book = read_workbook(source, INPUT_SHEETS)
    decisions = [
        RowDecision(s.title, raw.row, "Pending approval", [], "ISS-000001", 1000, 4000)
        for s in book.sheets
        for raw in s.rows
    ]
    return book, decisions


def test_a_workbook_written_for_other_facts_is_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOUCHER_BATCH_BACKGROUND_WRITE_ROWS", "1")
    book, decisions = _one_request(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    ahead = write_ahead.start(out, _facts(True), book.sheets, decisions)
    assert ahead is not None
    first, _ = write_batch_files(out, "b", _facts(False), book.sheets, decisions, None, ahead=ahead)
    assert _summary(first)["Recorded"] == "no (all-or-nothing: 1 row(s) refused)"
    assert not ahead.target.exists() and _leftovers(out) == []
    # and one written for these facts is the workbook the run would write itself
    again = write_ahead.start(out, _facts(True), book.sheets, decisions)
    assert again is not None
    second, _ = write_batch_files(out, "b", _facts(True), book.sheets, decisions, 7, ahead=again)
    assert _summary(second)["Recorded"] == "yes"
    assert [t.title for t in build_tables(_facts(True), book.sheets, decisions)] == (
        openpyxl.load_workbook(second).sheetnames
    )
    assert _leftovers(out) == []


def test_the_second_process_walks_none_of_the_runs_rows(tmp_path: Path) -> None:
    """It writes from files of the rows (`workbook.spool`): walking the run's own rows
    would copy all the memory they lie on (as much again as the run, at a full sheet)."""
    from tests.integration.test_table_writer import Owned
    from voucher_batch.domain.batch import RowDecision
    from voucher_batch.workbook.reader import read_workbook
    from voucher_batch.workbook.sheets import INPUT_SHEETS

    source = build(tmp_path / "mixed.xlsx")
    book = read_workbook(source, INPUT_SHEETS)
    decisions = Owned(
        RowDecision(s.title, raw.row, "Pending approval", [], f"ISS-{raw.row:06d}", 1000, 4000)
        for s in book.sheets
        for raw in s.rows
    )
    sheets = [dataclasses.replace(s, rows=Owned(s.rows)) for s in book.sheets]
    out = tmp_path / "out"
    out.mkdir()
    ahead = write_ahead.start(out, _facts(True), sheets, decisions)
    assert ahead is not None
    written, _ = write_batch_files(out, "b", _facts(True), sheets, decisions, 7, ahead=ahead)
    assert ahead.error == "" and ahead._placed  # its file, not one written here again
    expected = tmp_path / "expected.xlsx"
    write_workbook_of(expected, build_tables(_facts(True), book.sheets, list(decisions)))
    assert _parts(written) == _parts(expected)
    ahead.close()
    assert _leftovers(out) == [] and not ahead.scratch.exists()


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_rows_that_cannot_be_kept_in_files_leave_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    """A full disk while the rows are written to files: the run writes the workbook itself
    (no second process); Ctrl-C then: the interrupt goes on. Either way no folder is left."""
    book, decisions = _one_request(tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("VOUCHER_BATCH_BACKGROUND_WRITE_ROWS", "1")
    written: list[Path] = []

    def fails(rows: object, path: Path, first: int = 0) -> object:
        written.append(path)
        raise failure

    monkeypatch.setattr(writer, "spool_rows", fails)
    out = tmp_path / "out"
    out.mkdir()
    if isinstance(failure, OSError):
        assert write_ahead.start(out, _facts(True), book.sheets, decisions) is None
    else:
        with pytest.raises(KeyboardInterrupt):
            write_ahead.start(out, _facts(True), book.sheets, decisions)
    assert written and written[0].parent.parent == scratch  # it was under way
    assert list(scratch.iterdir()) == [] and list(out.iterdir()) == []


# ---- real processes: the run killed or interrupted while the second process writes -------

ROWS = 3_000


def _start(cli: Cli, book: Path, point: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        **AHEAD,
        "VOUCHER_BATCH_LEDGER": cli.ledger,
        "VOUCHER_BATCH_AS_OF": AS_OF,
        "VOUCHER_BATCH_OPERATOR": "ops.lead",
        "VOUCHER_BATCH_PAUSE_AT": point,
        "TMPDIR": str(_scratch(cli)),
    }
    env.pop("VOUCHER_BATCH_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "voucher_batch", "ingest", str(book), "--out-dir", str(cli.out)],
        cwd=cli.folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert f"paused at {point}" in line, line + proc.stderr.read()
    return proc


def _scratch(cli: Cli) -> Path:
    """The run's temporary folder (TMPDIR), to see what it leaves there."""
    folder = cli.folder / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _ended(pid: int) -> bool:
    """The process is gone (or a zombie nobody has waited for yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _wait_ended(pid: int) -> None:
    began = time.monotonic()
    while not _ended(pid) and time.monotonic() - began < 30:
        time.sleep(0.05)
    assert _ended(pid)


@pytest.mark.process
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only (the second process)")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_a_run_ended_before_its_commit_stops_the_second_process(
    cli: Cli, how: signal.Signals, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready_ledger(cli, quota=ROWS * 1000)
    book = write_workbook(
        cli.folder / "big.xlsx", {"Requests": [request(f"K-{n:05d}") for n in range(ROWS)]}
    )
    proc = _start(cli, book, "recording")  # inside the transaction: nothing committed
    writers = _children(proc.pid)
    assert len(writers) == 1  # the second process is writing the workbook
    proc.send_signal(how)
    _out, err = proc.communicate(timeout=60)
    _wait_ended(writers[0])
    if how != signal.SIGKILL:  # Ctrl-C, or SIGTERM taken as Ctrl-C
        assert proc.returncode == 2 and "nothing more was recorded" in err, err
        assert _leftovers(cli.out) == []  # the run removed what the second process wrote
        assert list(_scratch(cli).iterdir()) == []  # and its row files (and a third's)
    else:  # killed outright: its rows and row files stay in TMPDIR, for the next run
        assert [p.name.startswith(write_ahead.SCRATCH) for p in _scratch(cli).iterdir()] == [True]
    assert cli.quota()["issued"] == 0
    assert not (cli.out / "big-decisions.xlsx").exists()
    # the next run (same TMPDIR) writes its outputs, and a killed run's temporary files and
    # folders are gone
    monkeypatch.setattr(tempfile, "tempdir", str(_scratch(cli)))
    again = cli.ingest(book)
    assert again.code == 0, again.stderr
    assert _leftovers(cli.out) == [], (proc.pid, writers, _ended(writers[0]))
    assert list(_scratch(cli).iterdir()) == []
    decided = rows_of(openpyxl.load_workbook(cli.out / "big-decisions.xlsx")["Requests"])
    assert {r["Decision"] for r in decided} == {"Pending approval"} and len(decided) == ROWS


@pytest.mark.process
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only (the second process)")
def test_ctrl_c_while_waiting_for_the_second_process_says_the_batch_was_recorded(
    cli: Cli,
) -> None:
    ready_ledger(cli, quota=ROWS * 1000)
    book = write_workbook(
        cli.folder / "big.xlsx", {"Requests": [request(f"C-{n:05d}") for n in range(ROWS)]}
    )
    proc = _start(cli, book, "committed")  # committed; the workbook may still be written
    writers = _children(proc.pid)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    for pid in writers:
        _wait_ended(pid)
    assert proc.returncode == 1 and "WAS recorded" in err, err
    assert list(_scratch(cli).iterdir()) == []
    assert cli.quota()["issued"] == ROWS * 1000
    assert not (cli.out / "big-decisions.xlsx").exists()
    assert _leftovers(cli.out) == []


def test_a_report_name_taken_while_placing_gives_the_next_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[write_ahead.WriteAhead | None]
) -> None:
    """R17: a file saved at the report's name while the outputs are placed. The decision
    workbook already placed is taken back and both files take the next names; the workbook
    the second process wrote was moved once, so the run writes the second copy itself."""
    from voucher_batch.services.outputs import BatchOutputs

    cli = Cli(tmp_path)
    ready_ledger(cli)
    book = write_workbook(tmp_path / "b.xlsx", {"Requests": [request("R-1"), request("R-2")]})
    real = BatchOutputs.write_report
    calls: list[Path] = []

    def taken_once(self: BatchOutputs, path: Path, replace: bool = False) -> None:
        calls.append(path)
        if len(calls) == 1:
            path.write_text("a person's notes")  # saved there a moment ago
            raise FileExistsError(17, "already exists", str(path))
        real(self, path, replace)

    monkeypatch.setattr(BatchOutputs, "write_report", taken_once)
    result = cli.ingest(book, **AHEAD)
    assert result.code == 0, result.stderr
    assert started[-1] is not None
    assert (cli.out / "b-report.html").read_text() == "a person's notes"
    assert not (cli.out / "b-decisions.xlsx").exists()  # taken back
    placed = cli.written["b"]
    assert placed.name.startswith("b-batch-") and placed.name.endswith("-decisions.xlsx")
    decided = rows_of(openpyxl.load_workbook(placed)["Requests"])
    assert [r["Decision"] for r in decided] == ["Pending approval"] * 2
    assert _leftovers(cli.out) == []


def test_an_output_folder_that_fails_after_the_commit_gives_the_usual_r18_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[write_ahead.WriteAhead | None]
) -> None:
    """The folder turns read-only after the commit: placing the workbook fails, and so does
    the cleanup of what the second process wrote; the user still reads R18's sentence."""
    from voucher_batch import atomic

    turned: list[bool] = []  # the folder is read-only from the first output placed on
    real_clean = atomic.remove_stale_temps

    def place(*_args: object, **_kw: object) -> None:
        turned.append(True)
        raise OSError(30, "Read-only file system")

    def clean(folder: Path) -> list[Path]:
        if turned:
            raise OSError(30, "Read-only file system")
        return real_clean(folder)

    cli = Cli(tmp_path)
    ready_ledger(cli)
    book = write_workbook(tmp_path / "b.xlsx", {"Requests": [request("R-1")]})
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if turned and self.name.startswith(TEMP_PREFIX):
            raise OSError(30, "Read-only file system")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(atomic, "place", place)
    monkeypatch.setattr(atomic, "remove_stale_temps", clean)
    monkeypatch.setattr(Path, "unlink", unlink)
    result = cli.ingest(book, **AHEAD)
    assert started[-1] is not None
    assert result.code == 1, result.stderr
    assert "WAS recorded" in result.stderr and "Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr
