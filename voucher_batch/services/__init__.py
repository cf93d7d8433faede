"""The use cases, one module each: `ingest`, `review`, `quota`, `queries`, `monthly`,
`batches`, `blank`, `demo`. Each reads as one pipeline (read -> check -> decide -> record
-> render) built from the domain and the adapters; the command line calls only these.

The names below are the library's front door for scripts and tests."""

from __future__ import annotations

from .context import Context
from .ingest import IngestResult, ingest
from .progress import NO_PROGRESS, NoProgress, Progress
from .queries import (
    CustomerListing,
    TemplateListing,
    customers_list,
    ledger_verify,
    quota_history,
    templates_list,
    vouchers_list,
)
from .quota import QuotaOutcome, quota_apply, quota_change, quota_show

__all__ = [
    "NO_PROGRESS",
    "Context",
    "CustomerListing",
    "IngestResult",
    "NoProgress",
    "Progress",
    "QuotaOutcome",
    "TemplateListing",
    "customers_list",
    "ingest",
    "ledger_verify",
    "quota_apply",
    "quota_change",
    "quota_history",
    "quota_show",
    "templates_list",
    "vouchers_list",
]
