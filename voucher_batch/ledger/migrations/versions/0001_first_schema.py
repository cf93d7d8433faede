"""The first ledger schema: batches, quota entries, versioned customers and templates,
issuances and their status events.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("operator", sa.Text, nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        *_stamps(),
        sa.Column("counts", sa.Text, nullable=False),
    )
    op.create_table(
        "quota_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("by_name", sa.Text, nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("operator", sa.Text, nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "customer_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uin", sa.String(20), nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("bound_since", sa.Date),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        *_stamps(),
    )
    op.create_table(
        "template_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.Text, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("usage", sa.String(20), nullable=False),
        sa.Column("payment_mode", sa.String(20), nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("validity_count", sa.Integer, nullable=False),
        sa.Column("validity_unit", sa.String(10), nullable=False),
        sa.Column("validity_start", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        *_stamps(),
    )
    op.create_table(
        "issuances",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issuance_id", sa.String(20), nullable=False, unique=True),
        sa.Column("request_id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "template_version_id",
            sa.Integer,
            sa.ForeignKey("template_versions.id"),
            nullable=False,
        ),
        sa.Column("template_key", sa.Text, nullable=False, index=True),
        sa.Column("customer_uin", sa.String(20), nullable=False, index=True),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("estimated_revenue", sa.Integer, nullable=False),
        sa.Column("estimated_conversion_date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("operator", sa.Text, nullable=False),
        sa.Column("requested_on", sa.Date, nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        *_stamps(),
    )
    op.create_table(
        "issuance_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issuance", sa.Integer, sa.ForeignKey("issuances.id"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_on", sa.Date),
        sa.Column("reviewer", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_until", sa.Date),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        *_stamps(),
    )
    op.create_index("ix_issuance_events_issuance", "issuance_events", ["issuance", "id"])
    op.bulk_insert(
        sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text)),
        [
            {"key": "schema_version", "value": "1"},
            {"key": "ledger_lock", "value": "0"},
        ],
    )


def downgrade() -> None:
    raise NotImplementedError("ledgers are never downgraded")
