"""The balance without reading every issuance: `balance_moves`, one row per batch that
changed any issuance's status, with the amounts it moved into and out of pending, approved
and rejected.

`quota show` and every batch's quota check sum these rows (one per batch) instead of
joining each issuance to its latest status entry, which costs seconds at a million
issuances. The rows are appended in the batch's own transaction, from the very entries the
batch appends; `ledger verify` still recomputes the balance from the entries and reports a
difference. Existing batches get their rows here, from their status entries; the table is
append-only, enforced by the database as in 0002.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MESSAGE = "voucher ledger entries are append-only"

# a pending entry adds its amount to pending; a decision moves it from pending
BACKFILL = """
INSERT INTO balance_moves (batch_id, pending, approved, rejected)
SELECT e.batch_id,
       SUM(CASE e.status WHEN 'pending' THEN i.amount
                         WHEN 'approved' THEN -i.amount
                         WHEN 'rejected' THEN -i.amount
                         ELSE 0 END),
       SUM(CASE WHEN e.status = 'approved' THEN i.amount ELSE 0 END),
       SUM(CASE WHEN e.status = 'rejected' THEN i.amount ELSE 0 END)
FROM issuance_events e JOIN issuances i ON i.id = e.issuance
GROUP BY e.batch_id
"""


def upgrade() -> None:
    op.create_table(
        "balance_moves",
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), primary_key=True),
        sa.Column("pending", sa.BigInteger, nullable=False),
        sa.Column("approved", sa.BigInteger, nullable=False),
        sa.Column("rejected", sa.BigInteger, nullable=False),
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER balance_moves_no_{action.lower()} BEFORE {action} ON "
                f"balance_moves BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER balance_moves_append_only BEFORE UPDATE OR DELETE ON balance_moves "
            "FOR EACH ROW EXECUTE FUNCTION voucher_append_only()"
        )
        op.execute(
            "CREATE TRIGGER balance_moves_no_truncate BEFORE TRUNCATE ON balance_moves "
            "FOR EACH STATEMENT EXECUTE FUNCTION voucher_append_only()"
        )
    op.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("ledgers are never downgraded")
