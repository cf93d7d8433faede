"""Amounts and estimated revenue as 64-bit integers (PostgreSQL INTEGER stops at 2**31).

SQLite's INTEGER is already 64-bit; there only the schema version changes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (
    ("quota_entries", "amount"),
    ("template_versions", "amount"),
    ("issuances", "amount"),
    ("issuances", "estimated_revenue"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("ledgers are never downgraded")
