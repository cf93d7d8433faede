"""The pure domain of voucher issuance: quota arithmetic, templates, issuances and reviews.

Nothing in this package performs I/O or imports pandas, SQLAlchemy, openpyxl or Click; the
adapters hand it plain values and record what it decides. A test asserts that boundary.
"""
