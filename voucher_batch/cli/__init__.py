"""The command line: `app` owns the group and its global options; each command group lives
in its own module and registers itself on `main` when imported here."""

from __future__ import annotations

from . import batches, doctor, exports, ingest, ledger, lists, quota, report, review, vouchers
from .app import main, run

__all__ = [
    "batches",
    "doctor",
    "exports",
    "ingest",
    "ledger",
    "lists",
    "main",
    "quota",
    "report",
    "review",
    "run",
    "vouchers",
]
