"""Opening the ledger: engines, `init`, and the serialised write transaction (how a ledger
is named is `urls`; the SQLite file's own checks and writer lock are `sqlite_file`).

A plain path means a SQLite file; anything with `://` is a SQLAlchemy URL, and only SQLite
and `postgresql+psycopg` are accepted. Writers are serialised per ledger so that the
check-and-reserve of a batch sees every committed batch before it (R2): on SQLite a writer
holds an exclusive lock on the ledger file itself (its inode, whatever path reached it) and
starts with BEGIN IMMEDIATE; on PostgreSQL it locks the ledger's lock row (SELECT ... FOR
UPDATE). A writer that waits longer than the busy timeout gets `LedgerBusyError` and records
nothing.

A SQLite ledger is reached by one path: SQLite names its journal (`-wal`, `-shm`) after the
path it was given, so two names of one file (hard links, a file bind-mounted on its own)
would keep two journals and lose commits. Symlinks and `..` are resolved; a file with more
than one hard link, or mounted on its own, is refused. Reads open the file read-only, so a
read-only ledger can still be shown, listed, reported and verified.

Passwords never leave this module and `urls`.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from .. import checkpoints, settings
from ..errors import LedgerBusyError, LedgerError, LedgerMissingError
from . import schema as t
from .sqlite_file import (
    WriterLock,
    busy,
    check_one_path,
    check_writable,
    folder_writable,
    open_read_only,
    prepare_file,
    wal_holds_entries,
)
from .uow import UnitOfWork, now
from .urls import describe, resolve_url
from .versions import newer_schema, schema_refusal


class _Resources:
    """What a `Ledger` holds open. The lock descriptor is closed only after the engines are
    disposed: closing any descriptor of a file drops the POSIX locks SQLite holds on it."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.read_engine: Engine | None = None
        self.lock_fd: int | None = None

    def close(self) -> None:
        for engine in (self.read_engine, self.engine):
            if engine is not None:
                engine.dispose()
        self.engine = self.read_engine = None
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None


class Ledger:
    def __init__(self, url_text: str | None, busy_timeout: float | None = None) -> None:
        self.url = resolve_url(url_text)
        self.busy_timeout = busy_timeout if busy_timeout is not None else settings.busy_timeout()
        self.name = describe(self.url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.path = Path(str(self.url.database)) if self.is_sqlite else None
        self._password = self.url.password if isinstance(self.url.password, str) else None
        self._res = _Resources()
        weakref.finalize(self, self._res.close)
        self._writer_lock = WriterLock(self._lock_fd, lambda: LedgerBusyError(busy(self.name)))
        self._checked = False  # require() succeeded once: no need to ask again

    @property
    def engine(self) -> Engine:
        """The engine for writes (on PostgreSQL, for everything)."""
        if self._res.engine is None:
            self._res.engine = self._create_engine()
        return self._res.engine

    @property
    def read_engine(self) -> Engine:
        """On SQLite, an engine that opens the file read-only and never changes it."""
        if not self.is_sqlite:
            return self.engine
        if self._res.read_engine is None:
            self._res.read_engine = self._sqlite_engine(read_only=True)
        return self._res.read_engine

    def _create_engine(self) -> Engine:
        if self.is_sqlite:
            return self._sqlite_engine(read_only=False)
        try:
            return create_engine(self.url, pool_pre_ping=True)
        except ImportError:
            raise LedgerError(
                f"ledger {self.name} needs the PostgreSQL driver; install it with "
                "pip install 'voucher_batch[postgres]'"
            ) from None
        except SQLAlchemyError as exc:
            raise LedgerError(f"ledger {self.name}: cannot open ({self._short(exc)})") from None

    def _sqlite_engine(self, read_only: bool) -> Engine:
        path = self.path
        assert path is not None
        if read_only:
            engine = create_engine(
                self.url, creator=lambda: open_read_only(path, self.busy_timeout)
            )
        else:
            engine = create_engine(self.url, connect_args={"timeout": self.busy_timeout})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            # let SQLAlchemy, not the driver, decide when transactions begin
            dbapi_conn.isolation_level = None
            if read_only:
                return  # a read-only connection never sets journal_mode (it would write)
            dbapi_conn.execute("PRAGMA foreign_keys = ON")
            # readers keep reading while one writer records (WAL is kept in the file)
            dbapi_conn.execute("PRAGMA journal_mode = WAL")

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

        return engine

    # ---- the one file behind the path ------------------------------------------------

    def _file_lock(self) -> AbstractContextManager[None]:
        if not self.is_sqlite:
            return nullcontext()
        return self._writer_lock.held(self.busy_timeout)

    def _lock_fd(self) -> int:
        assert self.path is not None
        if self._res.lock_fd is None:
            try:
                self._res.lock_fd = os.open(self.path, os.O_RDONLY)
            except OSError as exc:
                raise LedgerError(
                    f"ledger {self.name}: cannot be opened ({exc.strerror or exc})"
                ) from None
        return self._res.lock_fd

    # ---- commands ----------------------------------------------------------------------

    def dispose(self) -> None:
        """Close every pooled connection and release the file lock (a SQLite file is
        checkpointed when its last connection closes). The ledger opens again on next use."""
        self._res.close()

    def exists(self) -> bool:
        if self.is_sqlite:
            assert self.path is not None
            if not self.path.is_file():
                return False
            check_one_path(self.path, self.name)
        try:
            with self.read_engine.connect() as conn:
                conn.info["write"] = False
                return inspect(conn).has_table("meta")
        except SQLAlchemyError as exc:
            if self.is_sqlite and not folder_writable(self.path) and wal_holds_entries(self.path):
                raise LedgerError(
                    f"ledger {self.name} cannot be read: its journal ({self.path}-wal) holds "
                    "entries not yet in the file and its folder is read-only; open it once "
                    "where the folder can be written"
                ) from None
            raise LedgerError(
                f"ledger {self.name}: cannot be reached ({self._short(exc)})"
            ) from None

    def schema_records(self) -> tuple[str | None, str | None]:
        """The schema version an existing ledger records in `meta`, and its Alembic
        revision (None where a record is missing)."""
        with self.read_engine.connect() as conn:
            conn.info["write"] = False
            version = conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == "schema_version")
            ).scalar_one_or_none()
            revision = (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                if inspect(conn).has_table("alembic_version")
                else None
            )
        return version, revision

    def require(self) -> None:
        """Refuse a missing ledger or one of another schema version (checked once)."""
        if self._checked:
            return
        if not self.exists():
            raise LedgerMissingError(
                f"ledger {self.name} does not exist; create it with 'voucher-batch init' "
                "(or pass the right --ledger)"
            )
        refusal = schema_refusal(self.name, *self.schema_records())
        if refusal is not None:
            raise LedgerError(refusal)
        self._checked = True

    def init(self) -> str:
        """Create the ledger, or upgrade it to this version's schema. Idempotent."""
        from . import migrate  # Alembic loads only for init

        if self.is_sqlite:
            assert self.path is not None
            prepare_file(self.path, self.name)
        try:
            with self._file_lock(), self.engine.connect() as conn:
                conn.info["write"] = True
                with conn.begin():
                    if not self.is_sqlite:  # one init at a time per database
                        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(73402110)")
                    before, after = migrate.upgrade(conn)
                    if before is None:
                        conn.execute(
                            t.meta.insert().values(key="created_at", value=now().isoformat())
                        )
        except migrate.UnknownSchemaError as exc:
            if exc.newer:
                raise LedgerError(newer_schema(self.name, exc.found, exc.known)) from None
            raise LedgerError(
                f"ledger {self.name} has schema {exc.found}, which this voucher-batch does not "
                f"know (it knows up to {exc.known}); use the voucher-batch that made it"
            ) from None
        except (OperationalError, DBAPIError) as exc:
            raise self._translate(exc) from None
        if before is None:
            return f"created (schema {after})"
        if before != after:
            return f"upgraded from schema {before} to {after}"
        return f"up to date (schema {after})"

    @contextmanager
    def unit_of_work(self, write: bool = False) -> Iterator[UnitOfWork]:
        self.require()
        if write and self.path is not None:  # a SQLite file
            check_writable(self.path, self.name)
        try:
            lock = self._file_lock() if write else nullcontext()
            with lock, (self.engine if write else self.read_engine).connect() as conn:
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
                        with checkpoints.interrupts_held():
                            tx.commit()
                            checkpoints.reached("committing")  # committed, not yet marked
                            for done in uow.on_commit:
                                done()
                finally:
                    if tx.is_active:
                        tx.rollback()
        except (OperationalError, DBAPIError) as exc:
            raise self._translate(exc) from None

    # ---- messages ---------------------------------------------------------------------

    def _short(self, exc: BaseException) -> str:
        text = _short(exc)
        return text.replace(self._password, "***") if self._password else text

    def _translate(self, exc: DBAPIError) -> Exception:
        text = self._short(exc)
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if "database is locked" in text or code in {"55P03", "40001", "40P01"}:
            return LedgerBusyError(busy(self.name))
        if "readonly database" in text:
            return LedgerError(
                f"ledger {self.name}: the ledger file is read-only; nothing was recorded"
            )
        return LedgerError(f"ledger {self.name}: {text}")


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
