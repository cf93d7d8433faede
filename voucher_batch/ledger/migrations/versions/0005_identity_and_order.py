"""Request IDs compared as people mean them (R15), and one commit order for every entry (R14).

- `issuances.request_key`: the Request ID as compared (`domain.identity.identity_key`), indexed,
  so that `req-001` resent as `REQ-００１` finds the recorded request.
- `batches.seq` and `quota_entries.seq`: one ledger-wide sequence taken under the writer lock,
  so `ledger verify` replays in the order the database committed, never by a client's clock.

Existing rows are filled in here (the append-only triggers are set aside for this one
statement and restored in the same transaction); their order is the order they were recorded.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from voucher_batch.domain.identity import identity_key

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MESSAGE = "voucher ledger entries are append-only"


def _set_aside_triggers(dialect: str, table: str) -> None:
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER {table}_no_update")
    else:
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")


def _restore_triggers(dialect: str, table: str) -> None:
    if dialect == "sqlite":
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    else:
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("issuances", sa.Column("request_key", sa.Text(), nullable=True))
    op.create_index("ix_issuances_request_key", "issuances", ["request_key"])
    for table in ("batches", "quota_entries"):
        op.add_column(table, sa.Column("seq", sa.BigInteger(), nullable=True))
        op.create_index(f"ix_{table}_seq", table, ["seq"])

    issuances = sa.table(
        "issuances",
        sa.column("id", sa.Integer),
        sa.column("request_id", sa.Text),
        sa.column("request_key", sa.Text),
    )
    rows = bind.execute(sa.select(issuances.c.id, issuances.c.request_id)).all()
    # commit order of what exists: by the time recorded, batches before quota entries on a tie
    order = sorted(
        [
            (stamp, 0, pk, "batches")
            for pk, stamp in bind.execute(sa.text("SELECT id, recorded_at FROM batches")).all()
        ]
        + [
            (stamp, 1, pk, "quota_entries")
            for pk, stamp in bind.execute(
                sa.text("SELECT id, recorded_at FROM quota_entries")
            ).all()
        ],
        key=lambda r: (str(r[0]), r[1], r[2]),
    )
    for table in ("issuances", "batches", "quota_entries"):
        _set_aside_triggers(dialect, table)
    if rows:
        bind.execute(
            sa.text("UPDATE issuances SET request_key = :key WHERE id = :pk"),
            [{"key": identity_key(rid), "pk": pk} for pk, rid in rows],
        )
    for seq, (_stamp, _tie, pk, table) in enumerate(order, start=1):
        bind.execute(
            sa.text(f"UPDATE {table} SET seq = :seq WHERE id = :pk"), {"seq": seq, "pk": pk}
        )
    for table in ("issuances", "batches", "quota_entries"):
        _restore_triggers(dialect, table)
    op.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("ledgers are never downgraded")
