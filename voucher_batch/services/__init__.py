"""The use cases, one module each: `ingest`, `review`, `quota`, `queries`, `monthly`,
`batches`, `blank`, `demo`. Each reads as one pipeline (read -> check -> decide -> record
-> render) built from the domain and the adapters; the command line calls only these.

The names below are the library's front door for scripts and tests."""

from __future__ import annotations

from .context import Context
from .ingest import IngestResult, ingest
from .progress import NO_PROGRESS, NoProgress, Progress
from .queries import TemplateListing, ledger_verify, templates_list, vouchers_list
from .quota import QuotaOutcome, quota_apply, quota_change, quota_show

__all__ = [
    "NO_PROGRESS",
    "Context",
    "IngestResult",
    "NoProgress",
    "Progress",
    "QuotaOutcome",
    "TemplateListing",
    "ingest",
    "ledger_verify",
    "quota_apply",
    "quota_change",
    "quota_show",
    "templates_list",
    "vouchers_list",
]
