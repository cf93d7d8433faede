"""The exceptions for runs that cannot continue. Data problems are values, not exceptions.

Every error the command line reports derives from `VoucherBatchError` and carries one plain
sentence; the command line prints it on stderr and exits with `exit_code` (2: nothing was
recorded).
"""

from __future__ import annotations

from .domain.identity import printable


class VoucherBatchError(Exception):
    exit_code = 2

    def __init__(self, message: str) -> None:
        # one line, always: library messages (openpyxl, drivers) may carry newlines, and user
        # text (cells, file names) may carry control characters that would forge output
        message = printable(" ".join(message.split()))
        super().__init__(message)
        self.message = message


class InputFileError(VoucherBatchError):
    """The workbook cannot be read, or lacks a sheet or column the command needs."""


class LedgerMissingError(VoucherBatchError):
    """The ledger does not exist; only `init` creates one."""


class LedgerBusyError(VoucherBatchError):
    """Another command holds the ledger for longer than the busy timeout."""


class LedgerError(VoucherBatchError):
    """The ledger cannot be reached or is not a voucher_batch ledger."""


class ConfigurationError(VoucherBatchError):
    """A bad setting: an environment variable, a ledger URL. Nothing was opened or recorded."""


class RuleError(VoucherBatchError):
    """A command-line request that a rule forbids (e.g. reclaiming below what is issued)."""


class OutputError(VoucherBatchError):
    """The output folder cannot be written. Raised before anything is recorded."""


class OutputsNotWrittenError(VoucherBatchError):
    """The batch was recorded but its outputs could not be written; exit 1, not 2."""

    exit_code = 1
