"""The ledger's tables (SQLAlchemy Core). Every table but `meta` is append-only.

The tables are created and changed only by the Alembic migrations in `migrations/`; this
module describes the current schema for queries. Migration 0002 makes the database itself
refuse UPDATE and DELETE on the entry tables.

Current state is derived from the entries: a customer or template is its latest version, an
issuance's status is its latest event, the quota is the sum of grants minus reclaims. Each
entry keeps its business date (`--as-of`) and the real time it was recorded.

Since schema 7 the balance's pending, approved and rejected amounts are also kept as each
batch moved them (`balance_moves`), so reading the balance does not read every issuance.

Since schema 4 each batch also keeps what it decided (`batch_facts`, `batch_sheets`,
`batch_rows`: every row read, typed, with its decision and problems), so its decision
workbook and report can be rebuilt (R17).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 7  # raised by every migration that changes the tables or their rules
SCHEMA_REVISION = f"{SCHEMA_VERSION:04d}"  # the Alembic revision of this schema

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # ingest | review
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("operator", Text, nullable=False),
    Column("business_date", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("counts", Text, nullable=False),  # JSON: decision -> rows
    Column("seq", BigInteger, index=True),  # commit order, shared with quota_entries (R14)
)

quota_entries = Table(
    "quota_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # grant | reclaim
    Column("amount", BigInteger, nullable=False),
    Column("by_name", Text, nullable=False),
    Column("ref", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("operator", Text, nullable=False),
    Column("business_date", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("seq", BigInteger, index=True),  # commit order, shared with batches (R14)
)

customer_versions = Table(
    "customer_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uin", String(20), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("bound_since", Date),
    Column("status", String(10), nullable=False),
    Column("batch_id", ForeignKey("batches.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

template_versions = Table(
    "template_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False, index=True),  # the name as compared (R4)
    Column("name", Text, nullable=False),
    Column("usage", String(20), nullable=False),
    Column("payment_mode", String(20), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("validity_count", Integer, nullable=False),
    Column("validity_unit", String(10), nullable=False),
    Column("validity_start", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("batch_id", ForeignKey("batches.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

issuances = Table(
    "issuances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issuance_id", String(20), nullable=False, unique=True),
    Column("request_id", String(40), nullable=False, unique=True),
    Column("request_key", Text, index=True),  # the Request ID as compared (R9, R15)
    Column("template_version_id", ForeignKey("template_versions.id"), nullable=False),
    Column("template_key", Text, nullable=False, index=True),
    Column("customer_uin", String(20), nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),
    Column("estimated_revenue", BigInteger, nullable=False),
    Column("estimated_conversion_date", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("operator", Text, nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("batch_id", ForeignKey("batches.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

issuance_events = Table(
    "issuance_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issuance", ForeignKey("issuances.id"), nullable=False),
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("decided_on", Date),
    Column("reviewer", Text),
    Column("comment", Text),
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("batch_id", ForeignKey("batches.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_issuance_events_issuance", issuance_events.c.issuance, issuance_events.c.id)

# ---- the balance as batches moved it (schema 7) ---------------------------------------------
# One row per batch that appended status entries: the amounts it moved into (+) and out of
# (-) pending, approved and rejected. Their sums are the balance (R2) without reading every
# issuance; `ledger verify` recomputes it from the entries.
balance_moves = Table(
    "balance_moves",
    metadata,
    Column("batch_id", ForeignKey("batches.id"), primary_key=True),
    Column("pending", BigInteger, nullable=False),
    Column("approved", BigInteger, nullable=False),
    Column("rejected", BigInteger, nullable=False),
)

# ---- what each batch decided (schema 4) ---------------------------------------------------
# Batches recorded before schema 4 have none of these; `meta` key KEPT_AFTER_KEY holds the
# last batch id recorded before them.
KEPT_AFTER_KEY = "batch_rows_after"

batch_facts = Table(
    "batch_facts",
    metadata,
    Column("batch_id", ForeignKey("batches.id"), primary_key=True),
    Column("label", Text, nullable=False),  # as the outputs name the batch: Ingest, Review import
    Column("counts", Text, nullable=False),  # JSON: sheet -> decision -> rows, in output order
    Column("skipped", Text, nullable=False),  # JSON: hidden sheets not read
    *(
        Column(f"{when}_{part}", BigInteger, nullable=False)
        for when in ("before", "after")
        for part in ("quota", "pending", "approved", "rejected")
    ),
)

batch_sheets = Table(
    "batch_sheets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", ForeignKey("batches.id"), nullable=False),
    Column("sheet_no", Integer, nullable=False),  # order of the sheet in the batch, from 0
    Column("title", Text, nullable=False),  # as written in the input
    Column("kind", String(20), nullable=False),  # Customers | Templates | Requests | Review
    Column("header_row", Integer, nullable=False),
    Column("headers", Text, nullable=False),  # JSON: header cells as written
    Column("header_columns", Text, nullable=False),  # JSON: 1-based sheet column of each header
    Column("mapping", Text, nullable=False),  # JSON: canonical column -> header position
    UniqueConstraint("batch_id", "sheet_no", name="uq_batch_sheets_batch_sheet"),
)

batch_rows = Table(
    "batch_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", ForeignKey("batches.id"), nullable=False),
    Column("sheet_no", Integer, nullable=False),
    Column("excel_row", Integer, nullable=False),  # the input's Excel row number
    Column("cells", Text, nullable=False),  # JSON: the row's values, typed (ledger/kept.py)
    Column("decision", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("problems", Text, nullable=False),  # JSON: [[column, code, message], ...]
    Column("issuance_id", String(20)),
    Column("amount", BigInteger),
    Column("remaining", BigInteger),
)
Index("ix_batch_rows_batch", batch_rows.c.batch_id, batch_rows.c.id)

# ---- after approval: the console's vouchers (schema 6) -------------------------------------

console_imports = Table(
    "console_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # link | sync | usage
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("operator", Text, nullable=False),
    Column("business_date", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("counts", Text, nullable=False),  # JSON: decision -> rows
)

voucher_links = Table(
    "voucher_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issuance", ForeignKey("issuances.id"), nullable=False, unique=True),
    Column("voucher_id", String(64), nullable=False, unique=True),
    Column("import_id", ForeignKey("console_imports.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

voucher_snapshots = Table(
    "voucher_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("voucher_id", String(64), nullable=False),
    Column("customer_uin", String(20), nullable=False),
    Column("status", String(12), nullable=False),  # Issued | Used | Expired | Invalidated
    Column("total_amount", BigInteger, nullable=False),
    Column("remaining_amount", BigInteger, nullable=False),
    Column("effective_on", Date),
    Column("expires_on", Date),
    Column("business_date", Date, nullable=False),
    Column("import_id", ForeignKey("console_imports.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_voucher_snapshots_voucher", voucher_snapshots.c.voucher_id, voucher_snapshots.c.id)

voucher_deals = Table(
    "voucher_deals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("voucher_id", String(64), nullable=False),
    Column("bill_id", String(64), nullable=False),
    Column("deal_name", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("pay_mode", Text, nullable=False),
    Column("product_code", Text, nullable=False),
    Column("product_name", Text, nullable=False),
    Column("pay_time", DateTime),
    Column("owner_uin", String(20), nullable=False),
    Column("import_id", ForeignKey("console_imports.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("voucher_id", "bill_id", name="uq_voucher_deals_voucher_bill"),
)
