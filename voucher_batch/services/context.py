"""What every use case shares: who acts, on which ledger, at which business date; the
output folder checked before any work. (How far a use case has got: `progress`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..domain.identity import printable as escape_controls
from ..domain.identity import unsafe_identity_message
from ..errors import OutputError, RuleError
from ..ledger import DEFAULT_LEDGER as LEDGER_FILE
from ..ledger import Ledger
from .ports import LedgerPort


@dataclass(frozen=True)
class Context:
    ledger: LedgerPort  # the real Ledger, or any ledger the use cases can work on
    operator: str
    business_date: date

    def __post_init__(self) -> None:
        message = unsafe_identity_message("the operator name", self.operator)
        if message:
            raise RuleError(message)


def prepare_outputs(ctx: Context, out_dir: Path) -> Path:
    """Before any work: the ledger exists at this schema version and the output folder can
    be written. Returns the folder with `~` expanded."""
    ctx.ledger.require()
    folder = out_dir.expanduser()
    check_writable(folder)
    return folder


def check_writable(folder: Path) -> None:
    """Fail before recording anything if the outputs could not be written; clear what runs
    killed while writing here left behind (their temporary files only)."""
    import os

    from ..atomic import remove_stale_temps, temp_path

    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(folder)
        probe = temp_path(folder)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        raise OutputError(
            f"cannot write to the output folder {folder} ({exc.strerror or exc}); nothing "
            "was recorded"
        ) from None


# The composition root: the one place a ledger is built from what the user gave.
DEFAULT_LEDGER = LEDGER_FILE


def open_ledger(url: str | None) -> Ledger:
    """The ledger at `url` (a SQLAlchemy URL or a SQLite path; None: the default file)."""
    return Ledger(url)


def printable(text: str) -> str:
    """Ledger or cell text as the command line may show it (control characters escaped)."""
    return escape_controls(text)
