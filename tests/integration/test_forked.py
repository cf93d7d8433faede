"""Work in a second process (`voucher_batch/forked.py`), forked or spawned: lines back on a
pipe, failures told as one line, nothing on the run's terminal, no Ctrl-C, stopped on
demand; a spawned process shares no memory with the run."""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
import types
from collections.abc import Callable

import pytest

from voucher_batch import forked

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

Start = Callable[[Callable[[forked.Send], None]], forked.Forked | None]
STARTS = pytest.mark.parametrize("start", [forked.fork, forked.spawn], ids=["fork", "spawn"])


def _all(process: forked.Forked) -> list[str]:
    lines = []
    while (line := process.message()) is not None:
        lines.append(line)
    return lines


# the work, as module functions: a spawned process imports this module to run them


def _lines(n: int, send: forked.Send) -> None:
    for i in range(n):
        send(f"line {i}")


def _fails(send: forked.Send) -> None:
    send("started")
    raise OSError(28, "No space left on device")


def _noisy(send: forked.Send) -> None:
    print("printed", flush=True)
    print("warned", file=sys.stderr, flush=True)
    os.write(2, b"written to fd 2\n")
    raise RuntimeError("and a failure")


def _sleeps(send: forked.Send) -> None:
    time.sleep(60)


def _score(send: forked.Send) -> None:
    with open("/proc/self/oom_score_adj", encoding="ascii") as adj:
        send(adj.read().strip())


def _interrupted(send: forked.Send) -> None:
    """Ctrl-C at the terminal (the process group) and at the process: neither ends it."""
    os.killpg(os.getpgrp(), signal.SIGINT) if os.getpgrp() == os.getpid() else None
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)
    send(f"alive {os.getppid()}")


def _memory(marker: bytearray, send: forked.Send) -> None:
    with open("/proc/self/status", encoding="ascii") as status:
        rss = next(line.split()[1] for line in status if line.startswith("VmRSS:"))  # KiB
    send(f"{len(marker)} {os.getppid()} {rss}")


@STARTS
def test_lines_come_back_in_order_and_a_return_is_exit_0(start: Start) -> None:
    process = start(functools.partial(_lines, 3))
    assert process is not None
    assert _all(process) == ["line 0", "line 1", "line 2"]
    assert process.wait() == 0 and not process.running and process.error == ""


@STARTS
def test_a_failure_is_one_line_and_exit_1(start: Start) -> None:
    process = start(_fails)
    assert process is not None
    assert _all(process) == ["started", "error OSError: [Errno 28] No space left on device"]
    assert process.wait() == 1
    assert process.error == "OSError: [Errno 28] No space left on device"


@STARTS
def test_nothing_reaches_the_run_s_terminal(
    start: Start, capfd: pytest.CaptureFixture[str]
) -> None:
    process = start(_noisy)
    assert process is not None
    assert _all(process) == ["error RuntimeError: and a failure"]
    process.wait()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert process.error == "RuntimeError: and a failure"


@STARTS
def test_ctrl_c_does_not_end_it(start: Start) -> None:
    process = start(_interrupted)
    assert process is not None
    assert _all(process) == [f"alive {os.getpid()}"] and process.wait() == 0


@STARTS
def test_stop_ends_a_process_at_work(start: Start) -> None:
    process = start(_sleeps)
    assert process is not None
    began = time.monotonic()
    process.stop()
    assert time.monotonic() - began < 10
    assert process.wait() < 0  # ended by a signal
    with pytest.raises(ChildProcessError):
        os.waitpid(process.pid, os.WNOHANG)


@STARTS
def test_under_memory_pressure_the_second_process_goes_first(start: Start) -> None:
    process = start(_score)
    assert process is not None
    assert _all(process) == ["1000"] and process.wait() == 0


@STARTS
def test_a_spawned_process_shares_no_memory_with_the_run(start: Start) -> None:
    marker = bytearray(b"x" * (64 << 20))  # 64 MiB this process holds, every page touched
    process = start(functools.partial(_memory, bytearray(3)))
    assert process is not None
    lines = _all(process)
    assert process.wait() == 0
    sent, parent, rss = lines[0].split()
    assert (sent, parent) == ("3", str(os.getpid()))  # the work's arguments were sent
    if start is forked.spawn:  # a fresh interpreter, none of this process's pages
        assert int(rss) < 60 << 10, rss
    else:  # a forked copy maps them all
        assert int(rss) > 64 << 10, rss
    del marker


def test_work_that_cannot_be_sent_is_not_started() -> None:
    assert forked.spawn(lambda send: None) is None  # a lambda does not pickle
    process = forked.spawn(functools.partial(_lines, 1))
    assert process is not None and _all(process) == ["line 0"] and process.wait() == 0


def test_work_a_spawned_process_cannot_load_is_told_as_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = types.ModuleType("voucher_batch_work_only_here")  # a module of this process alone

    def work(send: forked.Send) -> None:
        send("never")

    work.__module__, work.__qualname__ = here.__name__, "work"
    here.work = work  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, here.__name__, here)
    process = forked.spawn(work)
    assert process is not None
    lines = _all(process)
    assert process.wait() == 1
    assert lines == [f"error {process.error}"]
    assert process.error.startswith("ModuleNotFoundError: No module named 'voucher_batch_work")


def _flags(send: forked.Send) -> None:
    send(f"utf8={sys.flags.utf8_mode} encoding={sys.getfilesystemencoding()}")


def test_a_spawned_process_runs_with_the_run_s_interpreter_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`python -X utf8 -m voucher_batch ...` spawns `python -X utf8 ...`: a file name must
    be the same bytes in both processes."""
    import subprocess

    monkeypatch.setattr(subprocess, "_args_from_interpreter_flags", lambda: ["-X", "utf8"])
    process = forked.spawn(_flags)
    assert process is not None
    assert _all(process) == ["utf8=1 encoding=utf-8"] and process.wait() == 0


def test_work_is_refused_where_file_names_would_be_other_bytes() -> None:
    import pickle

    job = pickle.dumps((("latin-1", "surrogateescape"), _flags))
    if (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()) != (
        "latin-1",
        "surrogateescape",
    ):
        with pytest.raises(RuntimeError, match="file names are encoded as"):
            forked._load(job)
    here = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    assert forked._load(pickle.dumps((here, _flags))) is _flags
