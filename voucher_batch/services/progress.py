"""The progress port: how a use case tells how far it has got, without knowing who listens.

A use case names each long phase with the number of items it will handle (`phase`), says
how many it has handled since (`advance`), and ends with `done`. The command line gives a
terminal implementation (rows done / total, rate, time left on stderr); scripts, tests and
non-terminals get `NO_PROGRESS`, which does nothing.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """What a use case may tell about its progress."""

    def phase(self, name: str, total: int | None = None) -> None:
        """A new phase begins (the previous one is complete); `total` items, if known."""

    def advance(self, n: int = 1) -> None:
        """`n` more items of the current phase are handled."""

    def done(self) -> None:
        """The run is over (whether it succeeded or not)."""


class NoProgress:
    """Progress nobody watches."""

    def phase(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        return None

    def done(self) -> None:
        return None


NO_PROGRESS: Progress = NoProgress()
