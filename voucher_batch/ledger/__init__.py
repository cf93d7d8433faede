"""The ledger: append-only entries in SQLite or PostgreSQL, reached through one unit of work."""

from .connection import DEFAULT_LEDGER, Ledger
from .uow import BatchInfo, UnitOfWork, VoucherRecord

__all__ = ["DEFAULT_LEDGER", "BatchInfo", "Ledger", "UnitOfWork", "VoucherRecord"]
