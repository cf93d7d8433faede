"""Named points in the life of a batch, where tests can stop the process on purpose.

`reached(name)` does nothing unless VOUCHER_BATCH_PAUSE_AT names that point; then it says
so on stderr and waits (VOUCHER_BATCH_PAUSE_SECONDS, default 60), so that a test can kill
the process exactly there and check that nothing was half-recorded (R13), or, with a short
pause, make concurrent batches overlap. Points: `reading`, `deciding`, `recording` (inside
the ledger transaction, before commit), `committing` (the database has committed; Ctrl-C is
held until the run has noted it), `committed`, `replacing` (an output is complete
under its temporary name).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from . import settings

PAUSE_AT = "VOUCHER_BATCH_PAUSE_AT"
PAUSE_SECONDS = settings.PAUSE_SECONDS


def reached(name: str) -> None:
    if os.environ.get(PAUSE_AT) != name:
        return
    print(f"voucher-batch: paused at {name}", file=sys.stderr, flush=True)
    time.sleep(settings.pause_seconds())


class Terminated(KeyboardInterrupt):
    """SIGTERM (a `kill`, a scheduler's time limit, a service stopping) or SIGHUP (the
    terminal closed), raised where the run is, as Ctrl-C is: the run then ends as after
    Ctrl-C, and a batch already committed is said to be recorded (R18) rather than the
    process ending without a word."""

    def __init__(self, name: str = "SIGTERM") -> None:
        super().__init__(name)
        self.name = name  # the signal's name


_TERMINATING = (signal.SIGTERM, signal.SIGHUP)


def _terminated(signum: int, _frame: object) -> None:
    raise Terminated(signal.Signals(signum).name)


@contextmanager
def termination_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Terminated` while this runs (the main thread only; the
    handlers they replace come back after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # a signal the process was started to ignore (`nohup`: SIGHUP) stays ignored
    previous = {s: signal.signal(s, _terminated) for s in _TERMINATING if not _ignored(s)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _ignored(signum: int) -> bool:
    return signal.getsignal(signum) == signal.SIG_IGN


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT), SIGTERM and SIGHUP while a commit and its bookkeeping run, so that an
    interrupt lands either before the commit (nothing recorded) or after the run knows it
    committed (the batch WAS recorded, R18) - never in between. A held SIGINT is raised on
    exit as KeyboardInterrupt; a held SIGTERM or SIGHUP is sent again, to the handler it
    would have reached.

    The Python-level handler is swapped rather than the signal masked: native libraries run
    threads of their own, and the kernel may hand the signal to any of them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, _frame: object) -> None:
        held.append(signum)

    previous = {
        s: signal.signal(s, hold) for s in (signal.SIGINT, *_TERMINATING) if not _ignored(s)
    }
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    for s in _TERMINATING:
        if s in held:
            signal.raise_signal(s)
    if held:
        raise KeyboardInterrupt
