"""Forked work (`voucher_batch/forked.py`): lines back on a pipe, failures told as one line,
nothing on the run's terminal, stopped on demand."""

from __future__ import annotations

import os
import sys
import time

import pytest

from voucher_batch import forked

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def _all(process: forked.Forked) -> list[str]:
    lines = []
    while (line := process.message()) is not None:
        lines.append(line)
    return lines


def test_lines_come_back_in_order_and_a_return_is_exit_0() -> None:
    process = forked.fork(lambda send: [send(f"line {n}") for n in range(3)] and None)
    assert process is not None
    assert _all(process) == ["line 0", "line 1", "line 2"]
    assert process.wait() == 0 and not process.running and process.error == ""


def test_a_failure_is_one_line_and_exit_1() -> None:
    def fails(send: forked.Send) -> None:
        send("started")
        raise OSError(28, "No space left on device")

    process = forked.fork(fails)
    assert process is not None
    assert _all(process) == ["started", "error OSError: [Errno 28] No space left on device"]
    assert process.wait() == 1
    assert process.error == "OSError: [Errno 28] No space left on device"


def test_nothing_reaches_the_run_s_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    def noisy(send: forked.Send) -> None:
        print("printed", flush=True)
        print("warned", file=sys.stderr, flush=True)
        os.write(2, b"written to fd 2\n")
        raise RuntimeError("and a failure")

    process = forked.fork(noisy)
    assert process is not None
    process.wait()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_stop_ends_a_process_at_work() -> None:
    process = forked.fork(lambda send: time.sleep(60))
    assert process is not None
    began = time.monotonic()
    process.stop()
    assert time.monotonic() - began < 10
    assert process.wait() < 0  # ended by a signal
    with pytest.raises(ChildProcessError):
        os.waitpid(process.pid, os.WNOHANG)


def test_under_memory_pressure_the_forked_process_goes_first() -> None:
    def score(send: forked.Send) -> None:
        with open("/proc/self/oom_score_adj", encoding="ascii") as adj:
            send(adj.read().strip())

    process = forked.fork(score)
    assert process is not None
    assert _all(process) == ["1000"] and process.wait() == 0
