"""Files people own (R17) and the truth after the commit (R18).

The tool never deletes or replaces what it did not write, or what a person edited since;
outputs honour the umask; temporary files of killed runs are cleared. Once a batch is
committed, any failure - of any exception type, an interrupt - says the batch WAS recorded,
exit 1; what can be checked before the commit (names too long) is refused before it.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter.exceptions
from click.testing import CliRunner

from tests.workbooks import (
    AS_OF,
    Cli,
    Result,
    ready_ledger,
    request,
    rows_of,
    run_in_process,
    write_workbook,
)
from voucher_batch import services
from voucher_batch.atomic import TEMP_PREFIX, temp_path
from voucher_batch.cli import main
from voucher_batch.services import outputs as batch_outputs

# ---- helpers ---------------------------------------------------------------------------


def printed(result: Result, label: str) -> Path:
    """The path the command printed after `label:`."""
    for line in result.stdout.splitlines():
        if line.startswith(f"{label}:"):
            return Path(line.split(":", 1)[1].strip())
    raise AssertionError(f"no '{label}:' line in {result.stdout!r}")


def in_process(cli: Cli, *args: str) -> Result:
    """Run the command line in this process (so a test can make a writer fail)."""
    env: dict[str, str | None] = {
        "VOUCHER_BATCH_LEDGER": cli.ledger,
        "VOUCHER_BATCH_AS_OF": AS_OF,
        "VOUCHER_BATCH_OPERATOR": "ops.lead",
        "VOUCHER_BATCH_DEBUG": None,
    }
    outcome = CliRunner().invoke(main, list(args), env=env)
    return Result(outcome.exit_code, outcome.stdout, outcome.stderr)


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def assert_recorded_message(stderr: str, batch_id: int) -> None:
    line = one_line(stderr)
    assert "WAS recorded" in line and f"batch {batch_id}" in line, line
    assert f"batches show {batch_id} --out-dir" in line, line
    assert "nothing was recorded" not in line.casefold(), line


@dataclass(frozen=True)
class DemoRun:
    returncode: int
    stdout: str
    stderr: str


def demo(folder: Path) -> DemoRun:
    """`voucher-batch demo --dir FOLDER`, from the folder above it (in this process: what is
    checked is the files, the exit code and the messages, not the process)."""
    result = run_in_process(main, ["demo", "--dir", str(folder)], {}, folder.parent)
    return DemoRun(result.code, result.stdout, result.stderr)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---- demo --dir ------------------------------------------------------------------------


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    (folder / "reports").mkdir(parents=True)
    (folder / "voucher-ledger.sqlite3").write_bytes(b"a team's real ledger")
    (folder / "reports" / "march-decisions.xlsx").write_bytes(b"last month's decisions")
    before = tree(folder)
    proc = demo(folder)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = one_line(proc.stderr)
    assert str(folder) in line and "did not write" in line, line
    assert tree(folder) == before  # nothing removed, nothing added
    # a folder with a single stray file is refused too; a missing one is fine
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "notes.txt").write_text("mine")
    assert demo(lone).returncode == 2 and (lone / "notes.txt").read_text() == "mine"


def test_demo_reruns_in_its_own_folder_and_never_clears_an_edit(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first = demo(folder)
    assert first.returncode == 0, first.stderr
    assert (folder / ".voucher-batch-demo").is_file()
    again = demo(folder)  # its own marked folder: cleared and run afresh
    assert again.returncode == 0, again.stderr
    assert "50 already submitted" in again.stdout
    assert not list(folder.rglob(f"{TEMP_PREFIX}*"))
    # a person edits an output, or drops a file of their own in: the demo refuses
    report = folder / "reports" / "partner-ops-batch-report.html"
    report.write_text(report.read_text() + "<!-- my notes -->")
    before = tree(folder)
    edited = demo(folder)
    assert edited.returncode == 2
    assert "changed since the demo wrote it" in one_line(edited.stderr)
    assert tree(folder) == before
    report.unlink()
    (folder / "reports" / "mine.txt").write_text("keep me")
    stranger = demo(folder)
    assert stranger.returncode == 2 and "mine.txt" in one_line(stranger.stderr)
    assert (folder / "reports" / "mine.txt").read_text() == "keep me"


# ---- review export and sheets blank never replace a workbook ----------------------------


def test_review_export_never_replaces_a_workbook(cli: Cli) -> None:
    ready_ledger(cli)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    assert cli.ingest(book).code == 0
    out = cli.folder / "review"
    first = cli("review", "export", "--out-dir", str(out))
    assert first.code == 0, first.stderr
    exported = printed(first, "review workbook")
    assert exported == out / f"review-{AS_OF}.xlsx"
    wb = openpyxl.load_workbook(exported)  # a reviewer fills it in and saves
    wb["Review"].cell(5, 13).value = "Approve"
    wb.save(exported)
    filled = exported.read_bytes()
    second = cli("review", "export", "--out-dir", str(out))
    assert second.code == 0, second.stderr
    export_id = re.search(r"export (EXP-\d{8}-[0-9A-F]{6})", second.stdout)
    assert export_id is not None, second.stdout
    assert printed(second, "review workbook") == out / f"review-{AS_OF}-{export_id[1]}.xlsx"
    assert printed(second, "review workbook").is_file()
    assert exported.read_bytes() == filled


def test_blank_workbook_is_never_replaced_and_honours_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "blank"

    def blank(umask: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "voucher_batch", "sheets", "blank", "--out-dir", str(out)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=lambda: os.umask(umask),
        )

    first = blank(0o022)
    assert first.returncode == 0, first.stderr
    path = Path(first.stdout.strip())
    assert path == out / "voucher-batch-input.xlsx"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not the 0600 of a temporary file
    wb = openpyxl.load_workbook(path)
    wb["Requests"]["A2"] = "R-MINE"
    wb.save(path)
    mine = path.read_bytes()
    second = blank(0o027)
    assert second.returncode == 0, second.stderr
    other = Path(second.stdout.strip())
    assert other == out / "voucher-batch-input-2.xlsx" and other.is_file()
    assert stat.S_IMODE(other.stat().st_mode) == 0o640
    assert path.read_bytes() == mine
    third = blank(0o022)
    assert Path(third.stdout.strip()) == out / "voucher-batch-input-3.xlsx"


# ---- batch outputs ---------------------------------------------------------------------


def test_outputs_of_a_recorded_batch_are_never_replaced(cli: Cli) -> None:
    ready_ledger(cli)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    # a dry run takes the contract's names; the real run may replace them (tool-written,
    # unedited, and recorded nothing)
    dry = cli.ingest(book, "--dry-run")
    assert dry.code == 0 and printed(dry, "decisions") == cli.out / "batch-decisions.xlsx"
    first = cli.ingest(book)
    assert first.code == 0, first.stderr
    decisions, report = printed(first, "decisions"), printed(first, "report")
    assert (decisions, report) == (cli.out / "batch-decisions.xlsx", cli.out / "batch-report.html")
    summary = {r["Item"]: r["Value"] for r in rows_of(openpyxl.load_workbook(decisions)["Summary"])}
    assert summary["Recorded"] == "yes"
    kept = {p: p.read_bytes() for p in (decisions, report)}
    # the same workbook again: recorded as a new batch (all Already submitted), new names
    again = cli.ingest(book)
    assert again.code == 0, again.stderr
    tag = re.fullmatch(r"batch(-batch-\d+)-decisions\.xlsx", printed(again, "decisions").name)
    assert tag is not None, again.stdout
    assert printed(again, "report") == cli.out / f"batch{tag[1]}-report.html"
    assert printed(again, "decisions").is_file() and printed(again, "report").is_file()
    assert {p: p.read_bytes() for p in kept} == kept
    # dry runs: their own name, replaced while unedited, never once edited
    dry1 = cli.ingest(book, "--dry-run")
    assert printed(dry1, "decisions") == cli.out / "batch-dry-run-decisions.xlsx"
    assert printed(dry1, "report") == cli.out / "batch-dry-run-report.html"
    dry2 = cli.ingest(book, "--dry-run")
    assert printed(dry2, "decisions") == cli.out / "batch-dry-run-decisions.xlsx"
    edited = cli.out / "batch-dry-run-decisions.xlsx"
    wb = openpyxl.load_workbook(edited)
    wb["Requests"]["A2"] = "edited by a person"
    wb.save(edited)
    dry3 = cli.ingest(book, "--dry-run")
    assert printed(dry3, "decisions") == cli.out / "batch-dry-run-2-decisions.xlsx"
    assert printed(dry3, "report") == cli.out / "batch-dry-run-2-report.html"
    assert openpyxl.load_workbook(edited)["Requests"]["A2"].value == "edited by a person"
    assert {p: p.read_bytes() for p in kept} == kept
    assert cli.quota()["issued"] == 1000


def test_folder_or_link_at_an_output_name_is_left_alone(cli: Cli) -> None:
    ready_ledger(cli)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    cli.out.mkdir(exist_ok=True)
    (cli.out / "batch-decisions.xlsx").mkdir()  # a folder where the output goes
    target = cli.folder / "elsewhere.html"
    target.write_text("a person's page")
    (cli.out / "batch-report.html").symlink_to(target)
    result = cli.ingest(book)
    assert result.code == 0, result.stderr
    assert re.fullmatch(r"batch-batch-\d+-decisions\.xlsx", printed(result, "decisions").name)
    assert printed(result, "decisions").is_file()
    assert (cli.out / "batch-decisions.xlsx").is_dir()
    assert target.read_text() == "a person's page"
    assert cli.quota()["issued"] == 1000


def test_monthly_report_replaces_only_its_own_unedited_files(cli: Cli) -> None:
    ready_ledger(cli)
    out = cli.folder / "monthly"

    def monthly() -> Result:
        result = cli("report", "monthly", "--month", "2026-11", "--out-dir", str(out))
        assert result.code == 0, result.stderr
        return result

    first = monthly()
    html = out / "quota-2026-11.html"
    assert printed(first, "report") == html
    assert printed(monthly(), "report") == html  # regenerated in place
    html.write_text(html.read_text() + "<!-- annotated for the finance review -->")
    annotated = html.read_bytes()
    third = monthly()
    assert printed(third, "report") == out / "quota-2026-11-2.html"
    assert printed(third, "workbook") == out / "quota-2026-11-2.xlsx"
    assert html.read_bytes() == annotated


def test_temporary_files_of_a_killed_run_are_cleared_by_the_next(cli: Cli) -> None:
    ready_ledger(cli)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    env = {
        **os.environ,
        "VOUCHER_BATCH_LEDGER": cli.ledger,
        "VOUCHER_BATCH_AS_OF": AS_OF,
        "VOUCHER_BATCH_PAUSE_AT": "replacing",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "voucher_batch", "ingest", str(book), "--out-dir", str(cli.out)],
        cwd=cli.folder,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    assert "paused at replacing" in proc.stderr.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    left = list(cli.out.glob(f"{TEMP_PREFIX}*"))
    assert left, "the killed run left its temporary file"
    # a temporary file of a live run (this test process) and a person's file stay
    live = temp_path(cli.out, ".xlsx")
    live.write_bytes(b"being written")
    mine = cli.out / ".voucher-batch-notes.txt"
    mine.write_text("mine")
    result = cli.ingest(book)
    assert result.code == 0, result.stderr
    assert not any(p.exists() for p in left)
    assert live.exists() and mine.read_text() == "mine"


# ---- the truth after the commit (R18) ---------------------------------------------------


def _fail_writer(exc: BaseException) -> object:
    def writer(*_args: object, **_kw: object) -> None:
        raise exc

    return writer


@pytest.mark.parametrize(
    "failure",
    [
        xlsxwriter.exceptions.XlsxWriterException("the writer gave up"),
        KeyboardInterrupt(),
        MemoryError(),
    ],
    ids=["xlsxwriter", "interrupt", "memory"],
)
def test_writer_failure_after_commit_says_the_batch_was_recorded(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    ready_ledger(cli)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    # the run's own writer fails: no second process writes the workbook ahead (a fresh
    # interpreter, which this patch would not reach; its failures: tests/e2e/test_write_ahead)
    monkeypatch.setenv("VOUCHER_BATCH_BACKGROUND_WRITE_ROWS", str(10**9))
    monkeypatch.setattr(batch_outputs, "write_workbook", _fail_writer(failure))
    result = in_process(cli, "ingest", str(book), "--out-dir", str(cli.out))
    assert result.code == 1, result.stderr
    assert_recorded_message(result.stderr, 2)  # setup was batch 1
    assert "ingest" in result.stderr and "again" in result.stderr
    assert cli.quota()["issued"] == 1000
    # re-running the same command writes the outputs, issuing nothing twice
    monkeypatch.undo()
    again = cli.ingest(book)
    assert again.code == 0, again.stderr
    rows = rows_of(openpyxl.load_workbook(printed(again, "decisions"))["Requests"])
    assert [r["Decision"] for r in rows] == ["Already submitted"]
    assert cli.quota()["issued"] == 1000


def test_review_import_report_failure_after_commit_says_recorded(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready_ledger(cli)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    assert cli.ingest(book).code == 0
    exported = printed(
        cli("review", "export", "--out-dir", str(cli.folder / "r")), "review workbook"
    )
    wb = openpyxl.load_workbook(exported)
    header = [c.value for c in wb["Review"][4]]
    wb["Review"].cell(5, header.index("Decision") + 1).value = "Approve"
    filled = cli.folder / "filled.xlsx"
    wb.save(filled)
    monkeypatch.setattr(
        batch_outputs, "render_html", _fail_writer(RuntimeError("template engine broke"))
    )
    result = in_process(
        cli, "review", "import", str(filled), "--out-dir", str(cli.out), "--reviewer", "rev.one"
    )
    assert result.code == 1, result.stderr
    assert_recorded_message(result.stderr, 3)  # setup 1, ingest 2, review 3
    assert "--reviewer rev.one" in result.stderr
    assert [v["status"] for v in cli("vouchers", "list", "--json").json()] == ["approved"]


def test_failure_after_the_outputs_still_says_recorded(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line's last-resort handler: an error of any kind after the commit."""
    ready_ledger(cli)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})

    def broken(_self: object) -> int:
        raise RuntimeError("printing the summary failed")

    monkeypatch.setattr(services.IngestResult, "exit_code", property(broken))
    result = in_process(cli, "ingest", str(book), "--out-dir", str(cli.out))
    assert result.code == 1, result.stderr
    assert_recorded_message(result.stderr, 2)
    assert cli.quota()["issued"] == 1000


def test_output_folder_lost_after_commit_says_recorded(cli: Cli) -> None:
    """A real process paused just after its commit; its output folder then becomes a file."""
    ready_ledger(cli)
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    out = cli.folder / "late"
    env = {
        **os.environ,
        "VOUCHER_BATCH_LEDGER": cli.ledger,
        "VOUCHER_BATCH_AS_OF": AS_OF,
        "VOUCHER_BATCH_PAUSE_AT": "committed",
        "VOUCHER_BATCH_PAUSE_SECONDS": "3",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "voucher_batch", "ingest", str(book), "--out-dir", str(out)],
        cwd=cli.folder,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    assert "paused at committed" in proc.stderr.readline()
    for child in out.iterdir():
        child.unlink()
    out.rmdir()
    out.write_text("a file where the folder was")
    code = proc.wait(timeout=120)
    stderr = proc.stderr.read()
    assert code == 1, stderr
    assert_recorded_message(stderr, 2)
    assert cli.quota()["issued"] == 1000


def test_name_too_long_is_refused_before_recording(cli: Cli) -> None:
    ready_ledger(cli)
    before = cli.quota()
    book = write_workbook(cli.folder / f"{'b' * 250}.xlsx", {"Requests": [request("R-1")]})
    result = cli.ingest(book)
    assert result.code == 2, result.stderr
    line = one_line(result.stderr)
    assert "nothing was recorded" in line and "shorter" in line, line
    assert cli.quota() == before
    assert cli("vouchers", "list", "--json").json() == []
