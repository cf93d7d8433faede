"""Named points in the life of a batch, where tests can stop the process on purpose.

`reached(name)` does nothing unless VOUCHER_BATCH_PAUSE_AT names that point; then it says
so on stderr and waits (VOUCHER_BATCH_PAUSE_SECONDS, default 60), so that a test can kill
the process exactly there and check that nothing was half-recorded (R13), or, with a short
pause, make concurrent batches overlap. Points: `reading`, `deciding`, `recording` (inside
the ledger transaction, before commit), `committed`, `replacing` (an output is complete
under its temporary name).
"""

from __future__ import annotations

import os
import sys
import time

from . import settings

PAUSE_AT = "VOUCHER_BATCH_PAUSE_AT"
PAUSE_SECONDS = settings.PAUSE_SECONDS


def reached(name: str) -> None:
    if os.environ.get(PAUSE_AT) != name:
        return
    print(f"voucher-batch: paused at {name}", file=sys.stderr, flush=True)
    time.sleep(settings.pause_seconds())
