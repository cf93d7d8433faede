"""Each batch keeps what it decided: its facts, the sheets it read and every row's decision.

Three append-only tables (the triggers of 0002 on SQLite and PostgreSQL): `batch_facts`
(label, counts in output order, hidden sheets skipped, balance before and after),
`batch_sheets` (title, kind, header row, headers as written and their columns) and
`batch_rows` (Excel row, typed values, decision, reason, problems, issuance). Batches
recorded before this revision keep no rows; the meta key `batch_rows_after` holds the last
batch id recorded before it, so that `batches show` and `ledger verify` can say so.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW_TABLES = ("batch_facts", "batch_sheets", "batch_rows")
MESSAGE = "voucher ledger entries are append-only"


def upgrade() -> None:
    op.create_table(
        "batch_facts",
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("skipped", sa.Text, nullable=False),
        *(
            sa.Column(f"{when}_{part}", sa.BigInteger, nullable=False)
            for when in ("before", "after")
            for part in ("quota", "pending", "approved", "rejected")
        ),
    )
    op.create_table(
        "batch_sheets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("sheet_no", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("header_row", sa.Integer, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        sa.Column("header_columns", sa.Text, nullable=False),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.UniqueConstraint("batch_id", "sheet_no", name="uq_batch_sheets_batch_sheet"),
    )
    op.create_table(
        "batch_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("sheet_no", sa.Integer, nullable=False),
        sa.Column("excel_row", sa.Integer, nullable=False),
        sa.Column("cells", sa.Text, nullable=False),
        sa.Column("decision", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
        sa.Column("issuance_id", sa.String(20)),
        sa.Column("amount", sa.BigInteger),
        sa.Column("remaining", sa.BigInteger),
    )
    op.create_index("ix_batch_rows_batch", "batch_rows", ["batch_id", "id"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in NEW_TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                )
    elif dialect == "postgresql":
        # voucher_append_only() was created by 0002
        for table in NEW_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION voucher_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION voucher_append_only()"
            )
    else:  # pragma: no cover - the ledger supports SQLite and PostgreSQL
        raise RuntimeError(f"unsupported ledger database: {dialect}")

    # batches up to this id were recorded before rows were kept
    op.execute(
        "INSERT INTO meta (key, value) SELECT 'batch_rows_after', "
        "CAST(COALESCE(MAX(id), 0) AS VARCHAR(20)) FROM batches"
    )
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("ledgers are never downgraded")
