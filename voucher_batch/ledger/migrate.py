"""Schema migrations with Alembic, run by `init` inside the ledger's write lock.

The migration scripts are package data (`ledger/migrations`), so an installed wheel can
create and upgrade ledgers. A ledger made before migrations existed (schema version 1,
no `alembic_version` table) is stamped as revision 0001 and then upgraded.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"


def _config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, target: str = "head") -> tuple[str | None, str | None]:
    """Bring the ledger on `conn` to `target`; returns (revision before, revision after)."""
    cfg = _config(conn)
    tables = set(inspect(conn).get_table_names())
    if "meta" in tables and "alembic_version" not in tables:
        command.stamp(cfg, FIRST_REVISION)
    before = current_revision(conn)
    command.upgrade(cfg, target)
    return before, current_revision(conn)
