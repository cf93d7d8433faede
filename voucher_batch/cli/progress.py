"""Progress on a terminal: `terminal_progress()` gives a command the progress port to pass
to its use case - drawn with rich on stderr when stderr is a terminal (cli/terminal_bar.py,
loaded only then, so --help stays light), nothing at all when piped or redirected. stdout
is never written to.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ..services.progress import NO_PROGRESS, Progress


@contextmanager
def terminal_progress() -> Iterator[Progress]:
    """Progress for people: on stderr when it is a terminal; else nothing at all."""
    if not sys.stderr.isatty():
        yield NO_PROGRESS
        return
    from rich.console import Console

    from .terminal_bar import TerminalProgress

    shown = TerminalProgress(Console(file=sys.stderr, stderr=True))
    try:
        yield shown
    finally:
        shown.done()
