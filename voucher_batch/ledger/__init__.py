"""The ledger: append-only entries in SQLite or PostgreSQL, reached through one unit of work."""

from ..settings import DEFAULT_LEDGER
from .connection import Ledger
from .uow import BatchInfo, UnitOfWork, VoucherRecord

__all__ = ["DEFAULT_LEDGER", "BatchInfo", "Ledger", "UnitOfWork", "VoucherRecord"]
