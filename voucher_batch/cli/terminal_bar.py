"""The progress bar on a terminal, loaded only when one is drawn: each long phase of a
command (reading, checking, deciding, recording, writing) as a line with items done /
total, rate and time left, drawn with rich on stderr."""

from __future__ import annotations

import contextlib

from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text


class _Count(ProgressColumn):
    """`1,234 / 5,000` (thousands separated), or `1,234` while the total is unknown."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("counted"):
            return Text("")
        done = f"{int(task.completed):,}"
        if task.total is None:
            return Text(done)
        return Text(f"{done} / {int(task.total):,}")


class _Rate(ProgressColumn):
    """Items a second, once there is something to measure."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("counted"):
            return Text("")
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s")


class TerminalProgress:
    """The progress port drawn on a terminal; one line per phase, kept when it ends."""

    def __init__(self, console: Console) -> None:
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            _Count(),
            _Rate(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            redirect_stdout=False,  # stdout belongs to the command (JSON for scripts)
            redirect_stderr=False,
        )
        self._task: TaskID | None = None
        self._started = False

    def phase(self, name: str, total: int | None = None) -> None:
        self._finish_task()
        if not self._started:
            self._bar.start()
            self._started = True
        self._task = self._bar.add_task(name, total=total, counted=total is not None)

    def advance(self, n: int = 1) -> None:
        if self._task is not None and n:
            self._bar.advance(self._task, n)
            self._bar.update(self._task, counted=True)

    def done(self) -> None:
        # the last phase is left as far as it got: a run stopped by an error or Ctrl-C
        # shows where it stopped, never a full bar
        if self._task is not None:
            self._bar.stop_task(self._task)
            self._task = None
        if self._started:
            self._started = False
            with contextlib.suppress(OSError):  # a terminal that hung up
                self._bar.stop()

    def _finish_task(self) -> None:
        if self._task is None:
            return
        task = self._bar.tasks[-1]
        # a phase that ends is complete: its bar full, its clock stopped, its count what was
        # really done (a sheet's <dimension> may promise more rows than it holds); a phase
        # that counted nothing shows no count
        end = int(task.completed) if task.fields.get("counted") else 0
        if end == 0:
            self._bar.update(self._task, counted=False)
        self._bar.update(self._task, total=end or 1, completed=end or 1)
        self._bar.stop_task(self._task)
        self._task = None
