"""Work in a second process (`voucher_batch/second_process.py`): lines back on a pipe,
failures told as one line, nothing on the run's terminal, no Ctrl-C, stopped on demand, no
memory shared with the run."""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
import types

import pytest

from voucher_batch import second_process
from voucher_batch.second_process import spawn

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def _all(process: second_process.SecondProcess) -> list[str]:
    lines = []
    while (line := process.message()) is not None:
        lines.append(line)
    return lines


# the work, as module functions: a spawned process imports this module to run them


def _lines(n: int, send: second_process.Send) -> None:
    for i in range(n):
        send(f"line {i}")


def _fails(send: second_process.Send) -> None:
    send("started")
    raise OSError(28, "No space left on device")


def _noisy(send: second_process.Send) -> None:
    print("printed", flush=True)
    print("warned", file=sys.stderr, flush=True)
    os.write(2, b"written to fd 2\n")
    raise RuntimeError("and a failure")


def _sleeps(send: second_process.Send) -> None:
    time.sleep(60)


def _score(send: second_process.Send) -> None:
    with open("/proc/self/oom_score_adj", encoding="ascii") as adj:
        send(adj.read().strip())


def _interrupted(send: second_process.Send) -> None:
    """Ctrl-C at the terminal (the process group) and at the process: neither ends it."""
    os.killpg(os.getpgrp(), signal.SIGINT)  # its own process group
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)
    send(f"alive {os.getppid()}")


def _memory(marker: bytearray, send: second_process.Send) -> None:
    with open("/proc/self/status", encoding="ascii") as status:
        rss = next(line.split()[1] for line in status if line.startswith("VmRSS:"))  # KiB
    send(f"{len(marker)} {os.getppid()} {rss}")


def test_lines_come_back_in_order_and_a_return_is_exit_0() -> None:
    process = spawn(functools.partial(_lines, 3))
    assert process is not None
    assert _all(process) == ["line 0", "line 1", "line 2"]
    assert process.wait() == 0 and not process.running and process.error == ""


def test_a_failure_is_one_line_and_exit_1() -> None:
    process = spawn(_fails)
    assert process is not None
    assert _all(process) == ["started", "error OSError: [Errno 28] No space left on device"]
    assert process.wait() == 1
    assert process.error == "OSError: [Errno 28] No space left on device"


def test_nothing_reaches_the_run_s_terminal(
    capfd: pytest.CaptureFixture[str],
) -> None:
    process = spawn(_noisy)
    assert process is not None
    assert _all(process) == ["error RuntimeError: and a failure"]
    process.wait()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert process.error == "RuntimeError: and a failure"


def test_ctrl_c_does_not_end_it() -> None:
    process = spawn(_interrupted)
    assert process is not None
    assert _all(process) == [f"alive {os.getpid()}"] and process.wait() == 0


def test_stop_ends_a_process_at_work() -> None:
    process = spawn(_sleeps)
    assert process is not None
    began = time.monotonic()
    process.stop()
    assert time.monotonic() - began < 10
    assert process.wait() < 0  # ended by a signal
    with pytest.raises(ChildProcessError):
        os.waitpid(process.pid, os.WNOHANG)


def test_under_memory_pressure_the_second_process_goes_first() -> None:
    process = spawn(_score)
    assert process is not None
    assert _all(process) == ["1000"] and process.wait() == 0


def test_a_spawned_process_shares_no_memory_with_the_run() -> None:
    marker = bytearray(b"x" * (64 << 20))  # 64 MiB this process holds, every page touched
    process = spawn(functools.partial(_memory, bytearray(3)))
    assert process is not None
    lines = _all(process)
    assert process.wait() == 0
    sent, parent, rss = lines[0].split()
    assert (sent, parent) == ("3", str(os.getpid()))  # the work's arguments were sent
    assert int(rss) < 60 << 10, rss  # a fresh interpreter: none of this process's pages
    del marker


def test_work_that_cannot_be_sent_is_not_started() -> None:
    assert spawn(lambda send: None) is None  # a lambda does not pickle
    process = spawn(functools.partial(_lines, 1))
    assert process is not None and _all(process) == ["line 0"] and process.wait() == 0


def test_work_a_spawned_process_cannot_load_is_told_as_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = types.ModuleType("voucher_batch_work_only_here")  # a module of this process alone

    def work(send: second_process.Send) -> None:
        send("never")

    work.__module__, work.__qualname__ = here.__name__, "work"
    here.work = work  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, here.__name__, here)
    process = spawn(work)
    assert process is not None
    lines = _all(process)
    assert process.wait() == 1
    assert lines == [f"error {process.error}"]
    assert process.error.startswith("ModuleNotFoundError: No module named 'voucher_batch_work")


def _flags(send: second_process.Send) -> None:
    send(f"utf8={sys.flags.utf8_mode} encoding={sys.getfilesystemencoding()}")


def test_a_spawned_process_runs_with_the_run_s_interpreter_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`python -X utf8 -m voucher_batch ...` spawns `python -X utf8 ...`: a file name must
    be the same bytes in both processes."""
    import subprocess

    monkeypatch.setattr(subprocess, "_args_from_interpreter_flags", lambda: ["-X", "utf8"])
    process = spawn(_flags)
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
            second_process._load(job)
    here = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    assert second_process._load(pickle.dumps((here, _flags))) is _flags
