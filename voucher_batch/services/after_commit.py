"""The truth after the commit (R18): what is said when a run fails once its batch is recorded.

A service marks the moment its ledger transaction commits. From then on any failure - an
exception of any type from any writer, an interrupt, a file-system limit - ends with one
line saying the batch WAS recorded, its id, and how to get its outputs back, and exit 1.
The command line's last-resort handlers ask `last()` so that no message printed after a
commit can say that nothing was recorded.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from ..checkpoints import Terminated


@dataclass(frozen=True)
class Committed:
    """A batch that is in the ledger."""

    source: str  # the input file name
    batch_id: int
    out_dir: Path | None = None
    rerun: str = ""  # the command that writes its outputs again
    ledger_options: tuple[str, ...] = ()  # `--ledger ...`, so the advice reaches this ledger
    summary: str = ""  # for a change that is not a batch (a quota grant): what was recorded
    advice: str = ""  # with a summary: how to get its outputs (instead of `quota show`)


_committed: list[Committed] = []


def reset() -> None:
    """A new command starts: nothing of it is committed yet."""
    _committed.clear()


def mark(batch: Committed) -> None:
    _committed.append(batch)


def last() -> Committed | None:
    return _committed[-1] if _committed else None


def cause(exc: BaseException) -> str:
    """One line naming what went wrong, whatever the exception."""
    if isinstance(exc, Terminated):
        return f"the run was stopped ({exc.name})"
    if isinstance(exc, KeyboardInterrupt):
        return "the run was interrupted"
    text = " ".join(str(getattr(exc, "message", "") or exc).split())
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def recorded_message(batch: Committed, what_failed: str) -> str:
    """One sentence: the batch WAS recorded, what failed, how to get the outputs."""
    if batch.summary and batch.advice:
        return f"{batch.summary} WAS recorded, but {what_failed}; {batch.advice}"
    if batch.summary:
        show = rerun_command(*batch.ledger_options, "quota", "show")
        return (
            f"{batch.summary} WAS recorded, but {what_failed}; see it with '{show}' (the same "
            "command again with the same --ref records nothing twice)"
        )
    folder = shlex.quote(str(batch.out_dir)) if batch.out_dir is not None else "DIR"
    again = f" or run '{batch.rerun}' again" if batch.rerun else ""
    show = rerun_command(*batch.ledger_options, "batches", "show", str(batch.batch_id))
    return (
        f"{batch.source}: the batch WAS recorded (batch {batch.batch_id}), but {what_failed}; "
        f"get its outputs with '{show} --out-dir {folder}'{again} (nothing is recorded twice)"
    )


def rerun_command(*words: str | Path) -> str:
    return " ".join(["voucher-batch", *(shlex.quote(str(w)) for w in words)])


def ledger_options(ledger_name: str) -> tuple[str, ...]:
    """`--ledger NAME` (a path, or the URL with any password hidden)."""
    return ("--ledger", ledger_name)


def run_options(ledger_name: str, operator: str, business_date: str) -> tuple[str, ...]:
    """The global options that make a re-run record exactly as this run did."""
    return (*ledger_options(ledger_name), "--as-of", business_date, "--operator", operator)
