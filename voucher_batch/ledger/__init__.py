"""The ledger: append-only entries in SQLite or PostgreSQL, reached through one unit of work."""

from .connection import Ledger
from .uow import BatchInfo, UnitOfWork, VoucherRecord
from .urls import DEFAULT_LEDGER

__all__ = ["DEFAULT_LEDGER", "BatchInfo", "Ledger", "UnitOfWork", "VoucherRecord"]
