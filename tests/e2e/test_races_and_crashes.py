"""R2 and R13 under real processes: racing batches never overspend, killed batches never
half-record. Both run on SQLite and PostgreSQL (the `cli` fixture)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import openpyxl
import pytest

from tests.workbooks import AS_OF, Cli, ready_ledger, request, rows_of, write_workbook
from voucher_batch.atomic import TEMP_PREFIX

PROCESSES = 8
PER_PROCESS = 3
QUOTA = 10_000  # template amount 1000: 24 requests of 1000 compete for 10 places


def _env(cli: Cli, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "VOUCHER_BATCH_LEDGER": cli.ledger,
        "VOUCHER_BATCH_AS_OF": AS_OF,
        "VOUCHER_BATCH_OPERATOR": "ops.lead",
        **extra,
    }
    env.pop("VOUCHER_BATCH_DEBUG", None)
    return env


def _start(cli: Cli, book: str, out: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "voucher_batch", "ingest", book, "--out-dir", out],
        cwd=cli.folder,
        env=_env(cli, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_racing_batches_accept_exactly_the_quota(cli: Cli) -> None:
    ready_ledger(cli, quota=QUOTA)
    books = []
    for p in range(PROCESSES):
        rows = [request(f"P{p}-R{n}") for n in range(PER_PROCESS)]
        books.append(write_workbook(cli.folder / f"race-{p}.xlsx", {"Requests": rows}))
    # a short pause inside each ledger transaction makes the batches overlap for certain
    procs = [
        _start(
            cli,
            str(b),
            str(cli.folder / f"out-{p}"),
            VOUCHER_BATCH_PAUSE_AT="recording",
            VOUCHER_BATCH_PAUSE_SECONDS="0.3",
        )
        for p, b in enumerate(books)
    ]
    results = [(p.wait(timeout=240), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    for code, _out, err in results:
        assert code in (0, 1), err
        assert "Traceback" not in err
    decided = []
    for p, book in enumerate(books):
        out = cli.folder / f"out-{p}" / f"{book.stem}-decisions.xlsx"
        decided += rows_of(openpyxl.load_workbook(out)["Requests"])
    accepted = [r for r in decided if r["Decision"] == "Pending approval"]
    refused = [r for r in decided if r["Decision"] == "Refused"]
    assert len(accepted) * 1000 == QUOTA
    assert len(refused) == PROCESSES * PER_PROCESS - QUOTA // 1000
    assert all("quota" in r["Reason"] for r in refused)
    assert cli.quota()["issued"] == QUOTA == cli.quota()["quota"]
    verify = cli("ledger", "verify")
    assert verify.code == 0, verify.stdout


BATCH = 1500


@pytest.mark.slow
@pytest.mark.parametrize("point", ["reading", "recording", "committed", "replacing"])
def test_killed_ingest_records_all_or_nothing_and_reruns_once(cli: Cli, point: str) -> None:
    ready_ledger(cli, quota=BATCH * 1000)
    rows = [request(f"K-{n:05d}") for n in range(BATCH)]
    book = write_workbook(cli.folder / "big.xlsx", {"Requests": rows})
    out = cli.folder / "out"
    proc = _start(cli, str(book), str(out), VOUCHER_BATCH_PAUSE_AT=point)
    assert proc.stderr is not None
    began = time.monotonic()
    line = ""
    while time.monotonic() - began < 120:
        line = proc.stderr.readline()
        if f"paused at {point}" in line or not line:
            break
    assert f"paused at {point}" in line, line
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    issued = cli.quota()["issued"]
    committed = point in ("committed", "replacing")
    assert issued == (BATCH * 1000 if committed else 0)
    assert not (out / "big-decisions.xlsx").exists()  # never a half-written output
    assert cli("ledger", "verify").code == 0

    again = cli.ingest(book)
    assert again.code == 0, again.stderr
    assert cli.quota()["issued"] == BATCH * 1000
    decisions = {r["Decision"] for r in rows_of(cli.decisions(book)["Requests"])}
    assert decisions == {"Already submitted" if committed else "Pending approval"}
    listed = cli("vouchers", "list", "--json").json()
    assert len(listed) == BATCH and len({v["request_id"] for v in listed}) == BATCH
    assert cli("ledger", "verify").code == 0


@pytest.mark.process
@pytest.mark.parametrize(
    ("point", "sent", "code", "said"),
    [
        ("reading", signal.SIGTERM, 2, "voucher-batch: stopped (SIGTERM); nothing more was"),
        ("committing", signal.SIGTERM, 1, "WAS recorded (batch 2), but the run was stopped"),
        ("replacing", signal.SIGTERM, 1, "(the run was stopped (SIGTERM))"),
        ("committing", signal.SIGHUP, 1, "but the run was stopped (SIGHUP)"),
    ],
)
def test_a_kill_says_what_was_recorded(
    cli: Cli, point: str, sent: signal.Signals, code: int, said: str
) -> None:
    """SIGTERM (`kill`, a scheduler's time limit) or SIGHUP (the terminal closed) ends a run
    as Ctrl-C does: before the commit nothing is recorded (exit 2); once committed the run
    says the batch WAS recorded (R18, exit 1) - never a silent end."""
    ready_ledger(cli, quota=5000)
    book = write_workbook(cli.folder / "killed.xlsx", {"Requests": [request("KILL-1")]})
    out = cli.folder / "out"
    proc = _start(
        cli, str(book), str(out), VOUCHER_BATCH_PAUSE_AT=point, VOUCHER_BATCH_PAUSE_SECONDS="5"
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert f"paused at {point}" in line, line
    proc.send_signal(sent)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert said in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err  # one line
    assert cli.quota()["pending"] == (1000 if code == 1 else 0)
    assert cli("ledger", "verify").code == 0
    left = [p.name for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)] if out.exists() else []
    assert left == []  # no temporary file of an output left behind


@pytest.mark.process
def test_ctrl_c_right_after_the_commit_says_the_batch_was_recorded(cli: Cli) -> None:
    """R18: an interrupt that arrives once the database has committed, before the run noted
    it, is held until the run knows: it then says WAS recorded (exit 1), never exit 2."""
    ready_ledger(cli, quota=5000)
    book = write_workbook(cli.folder / "late.xlsx", {"Requests": [request("LATE-1")]})
    proc = _start(
        cli,
        str(book),
        str(cli.folder / "out"),
        VOUCHER_BATCH_PAUSE_AT="committing",
        VOUCHER_BATCH_PAUSE_SECONDS="1",
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "paused at committing" in line, line
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "WAS recorded" in err and "nothing" not in err.replace("nothing is recorded twice", "")
    assert "--ledger" in err  # the advice reaches this ledger, not the folder's default
    assert cli.quota()["pending"] == 1000


_FINALISER = """
import sys
sys.argv = ["voucher-batch", "--version"]
from voucher_batch.cli import app
class Zip:
    def __del__(self):
        raise OSError(28, "No space left on device")  # a zip a full disk left open
import logging
app.quiet_finalisers()
keep = Zip()
logging.getLogger("sqlalchemy.pool.impl.QueuePool").error("Exception closing connection")
del keep
app.run()
"""


@pytest.mark.process
@pytest.mark.parametrize("debug", [False, True])
def test_only_the_command_speaks_on_stderr(debug: bool) -> None:
    """What Python prints about an object it could not finalise, or SQLAlchemy's pool about
    a connection it could not close, says nothing to the user after the command has spoken:
    kept quiet unless VOUCHER_BATCH_DEBUG=1 asks for it."""
    env = {k: v for k, v in os.environ.items() if k != "VOUCHER_BATCH_DEBUG"}
    if debug:
        env["VOUCHER_BATCH_DEBUG"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _FINALISER], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "voucher-batch" in done.stdout
    if debug:
        assert "Exception ignored" in done.stderr and "Exception closing" in done.stderr
    else:
        assert done.stderr == ""


def test_a_signal_the_process_was_started_to_ignore_stays_ignored() -> None:
    """`nohup voucher-batch ...` ignores SIGHUP (a background job, SIGINT): the run keeps
    them ignored, also while a commit holds the others."""
    from voucher_batch import checkpoints

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with checkpoints.termination_as_interrupt():
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is checkpoints._terminated
            with checkpoints.interrupts_held():
                assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
                os.kill(os.getpid(), signal.SIGHUP)  # ignored: nothing is raised after
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


_AT_EXIT = """
import atexit, signal, sys
sys.argv = ["voucher-batch", "--version"]
from voucher_batch.cli import app
ALL = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
ignored = lambda: [signal.getsignal(s) == signal.SIG_IGN for s in ALL]
atexit.register(lambda: print("ignored at exit", ignored()))
app.run()
"""


@pytest.mark.process
def test_a_signal_once_the_command_has_ended_leaves_its_exit_code() -> None:
    """Between the command's end and the process's, a signal would end the process with
    that signal's code after the command said how it ended: it is ignored then."""
    done = subprocess.run(
        [sys.executable, "-c", _AT_EXIT], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "ignored at exit [True, True, True]" in done.stdout
