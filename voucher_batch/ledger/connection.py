"""Opening the ledger: URLs, engines, `init`, and the serialised write transaction.

A plain path means a SQLite file; anything with `://` is a SQLAlchemy URL. Writers are
serialised per ledger so that the check-and-reserve of a batch sees every committed batch
before it (R2): on SQLite a write transaction starts with BEGIN IMMEDIATE, on PostgreSQL it
locks the ledger's lock row (SELECT ... FOR UPDATE). A writer that waits longer than the
busy timeout gets `LedgerBusyError` and records nothing. Passwords never leave this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from ..errors import LedgerBusyError, LedgerError, LedgerMissingError
from . import schema as t
from .uow import UnitOfWork, now

DEFAULT_LEDGER = "voucher-ledger.sqlite3"
BUSY_TIMEOUT_ENV = "VOUCHER_BATCH_BUSY_TIMEOUT"  # seconds a writer waits for the ledger


def resolve_url(text: str | None) -> URL:
    """A SQLAlchemy URL, or a plain file path meaning a SQLite file."""
    text = text or DEFAULT_LEDGER
    if "://" in text:
        return make_url(text)
    return URL.create("sqlite+pysqlite", database=str(Path(text).expanduser().resolve()))


def describe(url: URL) -> str:
    """The ledger's name for messages: a file path, or the URL with any password hidden."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


class Ledger:
    def __init__(self, url_text: str | None, busy_timeout: float | None = None) -> None:
        self.url = resolve_url(url_text)
        self.busy_timeout = (
            busy_timeout
            if busy_timeout is not None
            else float(os.environ.get(BUSY_TIMEOUT_ENV, "30"))
        )
        self.name = describe(self.url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._engine: Engine | None = None
        self._checked = False  # require() succeeded once: no need to ask again

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        if self.is_sqlite:
            engine = create_engine(self.url, connect_args={"timeout": self.busy_timeout})

            @event.listens_for(engine, "connect")
            def _connect(dbapi_conn: Any, _record: Any) -> None:
                # let SQLAlchemy, not the driver, decide when transactions begin
                dbapi_conn.isolation_level = None
                dbapi_conn.execute("PRAGMA foreign_keys = ON")
                # readers keep reading while one writer records (WAL is kept in the file)
                dbapi_conn.execute("PRAGMA journal_mode = WAL")

            @event.listens_for(engine, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

            return engine
        try:
            return create_engine(self.url, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError) as exc:
            raise LedgerError(f"ledger {self.name}: cannot open ({exc})") from None

    def dispose(self) -> None:
        """Close every pooled connection (a SQLite file is checkpointed when its last
        connection closes). The ledger opens again on next use."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def exists(self) -> bool:
        if self.is_sqlite and not Path(str(self.url.database)).is_file():
            return False
        try:
            with self.engine.connect() as conn:
                conn.info["write"] = False
                return inspect(conn).has_table("meta")
        except SQLAlchemyError as exc:
            raise LedgerError(f"ledger {self.name}: cannot be reached ({_short(exc)})") from None

    def require(self) -> None:
        """Refuse a missing ledger or one of another schema version (checked once)."""
        if self._checked:
            return
        if not self.exists():
            raise LedgerMissingError(
                f"ledger {self.name} does not exist; create it with 'voucher-batch init' "
                "(or pass the right --ledger)"
            )
        with self.engine.connect() as conn:
            conn.info["write"] = False
            version = conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == "schema_version")
            ).scalar_one_or_none()
        if version != str(t.SCHEMA_VERSION):
            advice = (
                "run 'voucher-batch init' to upgrade it"
                if version is not None and version.isdigit() and int(version) < t.SCHEMA_VERSION
                else "use the version of voucher-batch that wrote it"
            )
            raise LedgerError(
                f"ledger {self.name} has schema version {version}, this voucher-batch uses "
                f"{t.SCHEMA_VERSION}; {advice}"
            )
        self._checked = True

    def init(self) -> str:
        """Create the ledger, or upgrade it to this version's schema. Idempotent."""
        if self.is_sqlite:
            Path(str(self.url.database)).parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.engine.connect() as conn:
                conn.info["write"] = True
                with conn.begin():
                    if not self.is_sqlite:  # one init at a time per database
                        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(73402110)")
                    from . import migrate  # Alembic loads only for init

                    before, after = migrate.upgrade(conn)
                    if before is None:
                        conn.execute(
                            t.meta.insert().values(key="created_at", value=now().isoformat())
                        )
        except (OperationalError, DBAPIError) as exc:
            raise _translate(exc, self.name) from None
        if before is None:
            return f"created (schema {after})"
        if before != after:
            return f"upgraded from schema {before} to {after}"
        return f"up to date (schema {after})"

    @contextmanager
    def unit_of_work(self, write: bool = False) -> Iterator[UnitOfWork]:
        self.require()
        try:
            with self.engine.connect() as conn:
                conn.info["write"] = write
                tx = conn.begin()
                try:
                    uow = UnitOfWork(conn, self.is_sqlite)
                    if write and not self.is_sqlite:
                        conn.exec_driver_sql(
                            f"SET LOCAL lock_timeout = '{int(self.busy_timeout * 1000)}ms'"
                        )
                        conn.execute(
                            select(t.meta.c.value)
                            .where(t.meta.c.key == "ledger_lock")
                            .with_for_update()
                        )
                    yield uow
                    if uow.committed:
                        tx.commit()
                finally:
                    if tx.is_active:
                        tx.rollback()
        except (OperationalError, DBAPIError) as exc:
            raise _translate(exc, self.name) from None


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _translate(exc: DBAPIError, name: str) -> Exception:
    text = _short(exc)
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if "database is locked" in text or code in {"55P03", "40001", "40P01"}:
        return LedgerBusyError(
            f"ledger {name} is busy (another command is recording); nothing was recorded, try again"
        )
    return LedgerError(f"ledger {name}: {text}")
