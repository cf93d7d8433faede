"""`sheets blank`: an empty input workbook to fill in, never over an existing file (R17)."""

from __future__ import annotations

from pathlib import Path

from .context import check_writable

BLANK_NAME = "voucher-batch-input.xlsx"


def sheets_blank(out_dir: Path) -> Path:
    """Write the blank workbook into `out_dir` under the first free name
    (voucher-batch-input.xlsx, then -2, -3, ...); returns its path."""
    from ..workbook.blank import write_blank
    from .names import BLANK, numbered, write_new

    folder = out_dir.expanduser()
    check_writable(folder)
    stem, suffix = BLANK_NAME.rsplit(".", 1)
    names = (f"{stem}{tag}.{suffix}" for tag in numbered())
    return write_new(folder, names, BLANK, write_blank)
