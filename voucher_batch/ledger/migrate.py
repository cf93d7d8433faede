"""Schema migrations with Alembic, run by `init` inside the ledger's write lock.

The migration scripts are package data (`ledger/migrations`), so an installed wheel can
create and upgrade ledgers. A ledger made before migrations existed (schema version 1,
no `alembic_version` table) is stamped as revision 0001 and then upgraded. A ledger at a
revision this version does not know (made by a newer voucher-batch) is refused before
anything is changed.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"


class UnknownSchemaError(Exception):
    """The ledger's schema revision is not one of this version's migrations."""

    def __init__(self, found: str, known: str) -> None:
        super().__init__(f"schema {found}, known up to {known}")
        self.found, self.known = found, known
        self.newer = found.isdigit() and known.isdigit() and int(found) > int(known)


def _config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, target: str = "head") -> tuple[str | None, str | None]:
    """Bring the ledger on `conn` to `target`; returns (revision before, revision after)."""
    cfg = _config(conn)
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        found = current_revision(conn)
        if found is not None and found not in known_revisions():
            raise UnknownSchemaError(found, head_revision())
    elif "meta" in tables:
        # no Alembic table: the first schema, unless its own version says it is newer
        version = conn.execute(
            text("SELECT value FROM meta WHERE key = 'schema_version'")
        ).scalar_one_or_none()
        if version is not None and version != "1":
            raise UnknownSchemaError(version.zfill(4), head_revision())
        command.stamp(cfg, FIRST_REVISION)
    before = current_revision(conn)
    command.upgrade(cfg, target)
    return before, current_revision(conn)
