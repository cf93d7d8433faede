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


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) while a commit and its bookkeeping run, so that an interrupt
    lands either before the commit (nothing recorded) or after the run knows it committed
    (the batch WAS recorded, R18) - never in between. A held interrupt is raised on exit.

    The Python-level handler is swapped rather than the signal masked: native libraries run
    threads of their own, and the kernel may hand the signal to any of them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt
