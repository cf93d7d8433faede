"""The ledger: append-only entries in SQLite or PostgreSQL, reached through one unit of work."""

from .connection import DEFAULT_LEDGER, Ledger
from .listings import QuotaHistoryEntry, VoucherQuery, VoucherRecord
from .uow import BatchInfo, UnitOfWork

__all__ = [
    "DEFAULT_LEDGER",
    "BatchInfo",
    "Ledger",
    "QuotaHistoryEntry",
    "UnitOfWork",
    "VoucherQuery",
    "VoucherRecord",
]
