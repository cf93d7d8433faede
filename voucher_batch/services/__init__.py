"""The use cases, one module each: `ingest`, `review`, `quota`, `queries`, `monthly`,
`batches`, `blank`, `demo`, `doctor`. Each reads as one pipeline (read -> check -> decide ->
record -> render) built from the domain and the adapters; the command line calls only these.

The names below are the library's front door for scripts and tests. They load on first use
(PEP 562), so that importing one light module of this package (`vocabulary`,
`after_commit`) - as the command line does to show its help or complete a word - does not
load pandas, SQLAlchemy or openpyxl."""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_FRONT_DOOR = {
    "Context": "context",
    "NO_PROGRESS": "progress",
    "NoProgress": "progress",
    "Progress": "progress",
    "IngestResult": "ingest",
    "ingest": "ingest",
    "CustomerListing": "queries",
    "TemplateListing": "queries",
    "customers_list": "queries",
    "quota_history": "queries",
    "ledger_verify": "queries",
    "templates_list": "queries",
    "vouchers_list": "queries",
    "QuotaOutcome": "quota",
    "quota_apply": "quota",
    "quota_change": "quota",
    "quota_show": "quota",
}

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


def __getattr__(name: str) -> Any:
    if name not in _FRONT_DOOR:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_FRONT_DOOR[name]}", __name__), name)
    globals()[name] = value
    return value


class _FrontDoor(types.ModuleType):
    """Keeps a front-door name on its use case when the module of the same name loads (the
    import system binds `services.ingest` to the module `ingest.py` once it is imported; the
    eager imports this package used to make rebound it to the function)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FRONT_DOOR and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _FrontDoor
