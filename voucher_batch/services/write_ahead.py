"""The decision workbook written ahead: a second process writes it while the batch is recorded.

Writing the decision workbook is the longest step of a large batch, and it needs nothing
that recording adds: its cells are the rows as read with their decisions, and its summary
shows the balance as decided. So once the decisions are known, before anything is recorded,
a forked process writes the workbook under a temporary name of this run while this process
records the batch and commits. After the commit the run takes that workbook only if the
facts it shows are the facts of what was committed, and moves it into place like any output
(the same names, the same `replacing` checkpoint, the same R18 messages). If the second
process failed (a full disk, a kill, anything), the run writes the workbook itself, as it
does for small batches, so a failure says what it always said.

The second process is used on Linux only (fork; it is killed with the run, PR_SET_PDEATHSIG)
and for batches of `settings.background_write_rows()` rows or more. It ignores Ctrl-C (the
run decides what an interrupt means and stops it), never pauses at a checkpoint (the run
does, where it places the file), never touches the ledger connection or the terminal, and
leaves by `os._exit`, so nothing the run owns is closed or flushed twice. It writes with the
run's own writer, under temporary names (its pid while writing, then the run's), so a run
killed outright leaves nothing that the next run writing into the folder does not remove
(`atomic.remove_stale_temps`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import atomic, checkpoints, settings

if TYPE_CHECKING:
    from ..domain.problems import Decided
    from ..workbook.reader import RawSheet
    from .outputs import BatchFacts

_PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent ends
_ERROR_MAX = 500  # characters of a failure the second process reports


class WriteAhead:
    """A decision workbook being written by a second process (see the module docstring)."""

    def __init__(self, pid: int, fd: int, target: Path, facts: BatchFacts) -> None:
        self.pid = pid
        self.target = target  # the finished workbook, under a temporary name of this run
        self.facts = facts  # what the workbook shows
        self.error = ""  # why the second process failed, if it said
        self._fd: int | None = fd
        self._buffer = b""
        self._rows: int | None = None
        self._ok = False
        self._running = True

    def shows(self, facts: BatchFacts) -> bool:
        """Whether the workbook shows `facts` (the time stamp is not in the workbook)."""
        return dataclasses.replace(self.facts, recorded_at=None) == dataclasses.replace(
            facts, recorded_at=None
        )

    def rows(self) -> int:
        """The rows the workbook's sheets have, once the second process has counted them (0
        if it failed first)."""
        if self._rows is None:
            line = self._message()
            self._rows = int(line[5:]) if line is not None and line.startswith("rows ") else 0
            self._heard(line)
        return self._rows

    def place(self, path: Path, replace: bool, advance: Callable[[int], None]) -> bool:
        """Wait for the workbook (`advance` hears its rows as they are written) and move it
        to `path` as `atomic.place` does (FileExistsError leaves it here for another name).
        False: the second process failed and the caller writes the workbook itself."""
        if self._running:
            self.rows()
            while (line := self._message()) is not None:
                if line.startswith("+"):
                    advance(int(line[1:]))
                self._heard(line)
            self._ok = self._wait() == 0 and self._ok
        if not self._ok:
            self.close()
            return False
        checkpoints.reached("replacing")
        atomic.place(self.target, path, replace)
        return True

    def _heard(self, line: str | None) -> None:
        if line == "ok":
            self._ok = True
        elif line is not None and line.startswith("error "):
            self.error = line[6:]

    def close(self) -> None:
        """Stop the second process if it still runs; remove its file unless it was placed."""
        if self._running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._wait()
        if not self._ok:  # what it was writing under its own temporary name (its pid ended)
            atomic.remove_stale_temps(self.target.parent)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.target.unlink(missing_ok=True)

    def _message(self) -> str | None:
        """The next line the second process wrote (None: it has closed its end)."""
        while b"\n" not in self._buffer:
            chunk = os.read(self._fd, 65_536) if self._fd is not None else b""
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace")

    def _wait(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self._running = False
        return os.waitstatus_to_exitcode(status)


def start(
    out_dir: Path, facts: BatchFacts, sheets: list[RawSheet], decisions: Sequence[Decided]
) -> WriteAhead | None:
    """Start writing the decision workbook of a batch that shows `facts` in a second
    process; None where that is not done (see the module docstring) or cannot start."""
    if sys.platform != "linux" or sum(len(s.rows) for s in sheets) < (
        settings.background_write_rows()
    ):
        return None
    target = atomic.temp_path(out_dir, ".xlsx")  # the second process puts the workbook there
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:  # no memory or process left for it: written after the commit instead
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the second process: it never returns
        code = 1
        try:
            os.close(read_fd)
            _write(write_fd, parent, target, facts, sheets, decisions)
            code = 0
        except BaseException as exc:  # told to the run, which then writes the workbook
            text = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:_ERROR_MAX]
            with contextlib.suppress(OSError):
                _send(write_fd, f"error {text}")
        finally:
            os._exit(code)
    os.close(write_fd)
    return WriteAhead(pid, read_fd, target, facts)


def _write(
    fd: int,
    parent: int,
    target: Path,
    facts: BatchFacts,
    sheets: list[RawSheet],
    decisions: Sequence[Decided],
) -> None:
    """In the second process: the workbook written into `target`, told to the run."""
    from .outputs import BatchOutputs, build_tables

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.pop(checkpoints.PAUSE_AT, None)
    _end_with(parent)
    outputs = BatchOutputs(build_tables(facts, sheets, decisions), {})
    _send(fd, f"rows {sum(len(t.rows) for t in outputs.tables)}")
    # the very writer of the run (atomic: its own temporary name, then `target`)
    outputs.write_decisions(target, False, lambda n: _send(fd, f"+{n}"))
    _send(fd, "ok")


def _end_with(parent: int) -> None:
    """Have the kernel kill this process when the run ends, however it ends."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the run ended before the request was made
        os._exit(1)


def _send(fd: int, line: str) -> None:
    os.write(fd, line.encode("utf-8") + b"\n")
