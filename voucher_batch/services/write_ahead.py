"""The decision workbook written ahead: a second process writes it while the batch is recorded.

Writing the decision workbook is the longest step of a large batch, and it needs nothing
that recording adds: its cells are the rows as read with their decisions, and its summary
shows the balance as decided. So once the decisions are known, before anything is recorded,
a second process writes the workbook under a temporary name of this run while this process
records the batch and commits. After the commit the run takes that workbook only if the
facts it shows are the facts of what was committed, and moves it into place like any output
(the same names, the same `replacing` checkpoint, the same R18 messages). If the second
process failed (a full disk, a kill, anything), the run writes the workbook itself, as it
does for small batches, so a failure says what it always said.

The second process (`second_process.spawn`: Linux only, a fresh interpreter, killed with the run, no
Ctrl-C, no checkpoint pauses, never the ledger or the terminal) is used for batches of
`settings.background_write_rows()` rows or more. This process builds the workbook's sheets
and writes their rows to files (`workbook.spool`: about a second a million rows); the second
process is sent the sheets without their rows and reads the rows from those files. A
forked copy of this process would do without the files, but it would keep every page of
this process that either of them changes (recording changes nearly all the pages of the
rows): at a full sheet, as much memory again as the run. It writes with the run's own
writer, under temporary names (its pid while writing, then the run's), so a run killed
outright leaves nothing that the next run writing into the folder does not remove
(`atomic.remove_stale_temps`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import pickle
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import atomic, checkpoints, second_process, settings
from ..workbook import writer
from ..workbook.writer import Table, write_workbook

if TYPE_CHECKING:
    from ..domain.problems import Decided
    from ..workbook.reader import RawSheet
    from .outputs import BatchFacts


SCRATCH = "voucher-batch-ahead-"  # the folder of the rows and files of a workbook written ahead


class WriteAhead:
    """A decision workbook being written by a second process (see the module docstring)."""

    def __init__(
        self, process: second_process.SecondProcess, target: Path, facts: BatchFacts, scratch: Path
    ) -> None:
        self.process = process
        self.scratch = scratch  # the second process's temporary files
        self.target = target  # the finished workbook, under a temporary name of this run
        self.facts = facts  # what the workbook shows
        self._rows: int | None = None
        self._ok = False
        self._placed = False

    @property
    def error(self) -> str:
        """Why the second process failed, if it said."""
        return self.process.error

    def shows(self, facts: BatchFacts) -> bool:
        """Whether the workbook shows `facts` (the time stamp is not in the workbook)."""
        return dataclasses.replace(self.facts, recorded_at=None) == dataclasses.replace(
            facts, recorded_at=None
        )

    def rows(self) -> int:
        """The rows the workbook's sheets have, once the second process has counted them (0
        if it failed first)."""
        if self._rows is None:
            line = self.process.message()
            self._rows = int(line[5:]) if line is not None and line.startswith("rows ") else 0
        return self._rows

    def place(self, path: Path, replace: bool, advance: Callable[[int], None]) -> bool:
        """Wait for the workbook (`advance` hears its rows as they are written) and move it
        to `path` as `atomic.place` does (FileExistsError leaves it here for another name).
        False: the caller writes the workbook itself (the second process failed, or its
        file was placed once and taken back because the other output's name was taken)."""
        if self.process.running:
            self.rows()
            while (line := self.process.message()) is not None:
                if line.startswith("+"):
                    advance(int(line[1:]))
                elif line == "ok":
                    self._ok = True
            self._ok = self.process.wait() == 0 and self._ok
        if not self._ok or self._placed or not self.target.is_file():
            # it failed, or its file was placed already and taken back for other names, or
            # is not where it was to be
            self.close()
            return False
        checkpoints.reached("replacing")
        atomic.place(self.target, path, replace)
        self._placed = True
        shutil.rmtree(self.scratch, ignore_errors=True)  # its rows: not kept longer than needed
        return True

    def close(self) -> None:
        """Stop the second process if it still runs; remove its file unless it was placed.
        A second Ctrl-C (or SIGTERM) waits until this is done, then goes on."""
        with checkpoints.interrupts_held():
            self.process.stop()
            # never raises: it runs while the run reports how it ended (R18), and a folder
            # that cannot be written now must not replace that message
            with contextlib.suppress(OSError):
                if not self._ok:  # what it was writing under its own temporary name
                    atomic.remove_stale_temps(self.target.parent)
                self.target.unlink(missing_ok=True)
            shutil.rmtree(self.scratch, ignore_errors=True)


def start(
    out_dir: Path, facts: BatchFacts, sheets: list[RawSheet], decisions: Sequence[Decided]
) -> WriteAhead | None:
    """Start writing the decision workbook of a batch that shows `facts` in a second
    process; None where that is not done (see the module docstring) or cannot start."""
    if sum(len(s.rows) for s in sheets) < settings.background_write_rows():
        return None
    from .outputs import build_tables

    target = atomic.temp_path(out_dir, ".xlsx")  # the second process puts the workbook there
    # its temporary files (the rows it writes from, xlsxwriter's row files) go to a folder
    # this process removes, as the second process may be killed before it can
    for prefix in (SCRATCH, writer.SCRATCH):  # what runs killed outright left there
        atomic.remove_stale_scratch(prefix)
    try:
        scratch = atomic.scratch_folder(SCRATCH)
    except OSError:
        return None  # no room for the rows: written here
    process = None
    try:
        # its rows in files (see `workbook.spool`): the second process then walks none
        # of this process's rows
        tables = [
            writer.rows_in_file(t, scratch / f"table-{n}.rows")
            for n, t in enumerate(build_tables(facts, sheets, decisions))
        ]
        # a fresh process (its memory its own), sent the sheets and where their rows are
        job = functools.partial(_write, scratch, target, tables, split_rows=writer.SPLIT_ROWS)
        process = second_process.spawn(job)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # no room for the rows, or a value that cannot be kept in a file: written here
    finally:
        if process is None:  # also when interrupted: nothing of it is left
            shutil.rmtree(scratch, ignore_errors=True)
    if process is None:
        return None
    return WriteAhead(process, target, facts, scratch)


def _write(
    scratch: Path, target: Path, tables: list[Table], send: second_process.Send, *, split_rows: int
) -> None:
    """In the second process: the workbook written into `target`, told to the run (its
    sheets shared with a third process from `split_rows` rows, as the run would)."""
    tempfile.tempdir = str(scratch)  # this process's temporary files
    writer.SPLIT_ROWS = split_rows
    send(f"rows {sum(len(t.rows) for t in tables)}")
    # the very writer of the run (atomic: its own temporary name, then `target`)
    write_workbook(target, tables, False, lambda n: send(f"+{n}"))
    send("ok")
