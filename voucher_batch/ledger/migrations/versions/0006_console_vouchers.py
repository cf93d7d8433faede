"""After approval: the console's vouchers, linked to issuances, their status and their deals.

- `console_imports`: one row per `vouchers link|sync|usage` run that recorded something
  (the file, its sha256, who, the business date, the counts), like `batches` for the sheets.
- `voucher_links`: an approved issuance and the console voucher issued for it, each at most
  once (unique on both sides).
- `voucher_snapshots`: what a voucher-list export said of a voucher (status, amounts,
  validity, customer), appended when it differs from the voucher's latest snapshot.
- `voucher_deals`: usage details, one row per (VoucherId, BillId).

All four are append-only, enforced by the database as in 0002. Existing data is untouched.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("console_imports", "voucher_links", "voucher_snapshots", "voucher_deals")
MESSAGE = "voucher ledger entries are append-only"


def _stamped() -> list[sa.Column[object]]:
    return [
        sa.Column("import_id", sa.Integer, sa.ForeignKey("console_imports.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "console_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("operator", sa.Text, nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
    )
    op.create_table(
        "voucher_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "issuance", sa.Integer, sa.ForeignKey("issuances.id"), nullable=False, unique=True
        ),
        sa.Column("voucher_id", sa.String(64), nullable=False, unique=True),
        *_stamped(),
    )
    op.create_table(
        "voucher_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("voucher_id", sa.String(64), nullable=False),
        sa.Column("customer_uin", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("total_amount", sa.BigInteger, nullable=False),
        sa.Column("remaining_amount", sa.BigInteger, nullable=False),
        sa.Column("effective_on", sa.Date),
        sa.Column("expires_on", sa.Date),
        sa.Column("business_date", sa.Date, nullable=False),
        *_stamped(),
    )
    op.create_index("ix_voucher_snapshots_voucher", "voucher_snapshots", ["voucher_id", "id"])
    op.create_table(
        "voucher_deals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("voucher_id", sa.String(64), nullable=False),
        sa.Column("bill_id", sa.String(64), nullable=False),
        sa.Column("deal_name", sa.Text, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("pay_mode", sa.Text, nullable=False),
        sa.Column("product_code", sa.Text, nullable=False),
        sa.Column("product_name", sa.Text, nullable=False),
        sa.Column("pay_time", sa.DateTime),
        sa.Column("owner_uin", sa.String(20), nullable=False),
        *_stamped(),
        sa.UniqueConstraint("voucher_id", "bill_id", name="uq_voucher_deals_voucher_bill"),
    )
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION voucher_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION voucher_append_only()"
            )
    op.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("ledgers are never downgraded")
