"""voucher_batch: run cloud-voucher issuance from Excel workbooks against a quota ledger."""

__version__ = "0.1.0"
