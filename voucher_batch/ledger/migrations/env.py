"""Alembic environment for the ledger: migrations run on the connection `init` hands over.

The command line never reads an alembic.ini; `voucher_batch.ledger.migrate` builds the
configuration in code and passes the open connection (inside the ledger's write lock) as
`config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context

from voucher_batch.ledger.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
