"""Opening the ledger: URLs, engines, `init`, and the serialised write transaction.

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

Passwords never leave this module.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from .. import checkpoints, settings
from ..errors import ConfigurationError, LedgerBusyError, LedgerError, LedgerMissingError
from ..settings import DEFAULT_LEDGER
from . import schema as t
from .uow import UnitOfWork, now

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's own locks only
    fcntl = None  # type: ignore[assignment]

BUSY_TIMEOUT_ENV = settings.BUSY_TIMEOUT
SUPPORTED = "a SQLite file path or postgresql+psycopg://user@host/database"
_PASSWORD_PARAM = re.compile(r"(password=)[^&]*", re.IGNORECASE)


def redact(text: str) -> str:
    """A URL as typed, with any password replaced by ***; works on URLs that do not parse."""
    text = _PASSWORD_PARAM.sub(r"\1***", text)
    scheme, sep, rest = text.partition("://")
    # the last '@' ends the user part, so a password holding '@' is hidden whole
    head, at, tail = rest.rpartition("@")
    if not sep or not at:
        return text
    user, colon, _password = head.partition(":")
    return f"{scheme}://{user}:***@{tail}" if colon else text


def _sqlite_url(path: Path) -> URL:
    # one path per file: symlinks, `..` and `~` resolved, so every process names it alike
    return URL.create("sqlite+pysqlite", database=str(path.expanduser().resolve()))


def resolve_url(text: str | None) -> URL:
    """A SQLAlchemy URL, or a plain file path meaning a SQLite file; anything else is
    refused with one sentence that never shows a password."""
    text = text or DEFAULT_LEDGER
    if "://" not in text:
        return _sqlite_url(Path(text))
    shown = redact(text)
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        hint = " (its port must be a number)" if _port_is_not_a_number(text) else ""
        raise ConfigurationError(
            f"the ledger URL {shown} is not a valid URL{hint}; use {SUPPORTED}"
        ) from None
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise ConfigurationError(
                f"the ledger URL {shown} names no SQLite file (a ledger in memory keeps "
                f"nothing); use {SUPPORTED}"
            )
        return _sqlite_url(Path(database))
    if url.drivername == "postgresql+psycopg":
        if "@" in (url.host or ""):
            raise ConfigurationError(
                f"the ledger URL {shown} has an '@' after the user name; write an '@' in a "
                "password as %40"
            )
        if url.port is not None and not 0 < url.port < 65536:
            raise ConfigurationError(
                f"the ledger URL {shown} has port {url.port}; a port is 1 to 65535"
            )
        return url
    if url.get_backend_name() in ("postgres", "postgresql"):
        raise ConfigurationError(
            f"the ledger URL {shown} does not name the driver voucher-batch uses; write it "
            "as postgresql+psycopg://user@host/database"
        )
    raise ConfigurationError(
        f"the ledger URL {shown} names a database voucher-batch does not support "
        f"({url.drivername}); use {SUPPORTED}"
    )


def _port_is_not_a_number(text: str) -> bool:
    host = redact(text).partition("://")[2].rpartition("@")[2].split("/", 1)[0]
    port = host.rpartition(":")[2] if ":" in host and not host.endswith("]") else ""
    return bool(port) and not port.isdigit()


def describe(url: URL) -> str:
    """The ledger's name for messages: a file path, or the URL with any password hidden."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return redact(url.render_as_string(hide_password=True))


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
        self._lock_depth = 0
        self._thread_lock = threading.RLock()  # flock does not tell this process's threads apart
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
        if read_only:
            engine = create_engine(self.url, creator=self._open_read_only)
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

    def _open_read_only(self) -> sqlite3.Connection:
        assert self.path is not None
        uri = f"file:{quote(str(self.path))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout, check_same_thread=False)
        try:
            conn.execute("PRAGMA schema_version").fetchone()  # opens the file and its journal
            return conn
        except sqlite3.OperationalError:
            conn.close()
            if _folder_writable(self.path) or _wal_holds_entries(self.path):
                raise
        # The folder cannot hold the -wal/-shm files and there is no journal to read: the
        # file alone is the whole ledger, and nobody can write it without that folder.
        return sqlite3.connect(
            f"{uri}&immutable=1", uri=True, timeout=self.busy_timeout, check_same_thread=False
        )

    # ---- the one file behind the path ------------------------------------------------

    def _check_one_path(self) -> None:
        """Refuse a SQLite file that other paths reach with their own journal."""
        assert self.path is not None
        try:
            links = self.path.stat().st_nlink
        except OSError:
            return  # reported by whoever opens it next, with the reason
        if links > 1:
            raise LedgerError(
                f"ledger {self.name} has {links} names on disk (hard links); SQLite keeps a "
                "journal per name, so a batch recorded through one name could be lost "
                f"through another; keep one name (find the others with 'find / -xdev "
                f"-samefile {self.path}') and try again"
            )
        if str(self.path) in _mount_points():
            raise LedgerError(
                f"ledger {self.name} is a file mounted on its own (a bind mount), so "
                "SQLite's journal beside it is not the one beside the original; mount the "
                "folder that holds the ledger instead"
            )

    def _check_writable(self) -> None:
        """A write on a read-only ledger stops before anything is opened for writing."""
        assert self.path is not None
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise LedgerError(
                f"ledger {self.name}: the ledger file is read-only; nothing was recorded"
            )
        if not _folder_writable(self.path):
            raise LedgerError(
                f"ledger {self.name}: the ledger's folder is read-only and SQLite must write "
                "its journal there; nothing was recorded"
            )

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the ledger file itself while writing, so that writers
        reaching it through any path are serialised (BEGIN IMMEDIATE is per journal, and
        the journal is per path)."""
        if not self.is_sqlite or fcntl is None:
            yield
            return
        assert self.path is not None
        if not self._thread_lock.acquire(timeout=self.busy_timeout):
            raise LedgerBusyError(_busy(self.name))
        try:
            fd = self._lock_fd()
            if self._lock_depth == 0:
                deadline = time.monotonic() + self.busy_timeout
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise LedgerBusyError(_busy(self.name)) from None
                        time.sleep(0.02)
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)  # never close it here: see _Resources
        finally:
            self._thread_lock.release()

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
            self._check_one_path()
        try:
            with self.read_engine.connect() as conn:
                conn.info["write"] = False
                return inspect(conn).has_table("meta")
        except SQLAlchemyError as exc:
            if self.is_sqlite and not _folder_writable(self.path) and _wal_holds_entries(self.path):
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
        version, revision = self.schema_records()
        if version == str(t.SCHEMA_VERSION) and revision not in (None, t.SCHEMA_REVISION):
            # the two records of the schema disagree: never write to such a ledger
            raise LedgerError(
                f"ledger {self.name} says schema {version} but its migrations say {revision}; "
                "it was changed by hand or by another program: restore it from a backup"
            )
        if version != str(t.SCHEMA_VERSION):
            if version is not None and version.isdigit() and int(version) > t.SCHEMA_VERSION:
                raise LedgerError(_newer(self.name, version, str(t.SCHEMA_VERSION)))
            advice = (
                "run 'voucher-batch init' to upgrade it"
                if version is not None and version.isdigit()
                else "use the version of voucher-batch that wrote it"
            )
            raise LedgerError(
                f"ledger {self.name} has schema version {version}, this voucher-batch uses "
                f"{t.SCHEMA_VERSION}; {advice}"
            )
        self._checked = True

    def init(self) -> str:
        """Create the ledger, or upgrade it to this version's schema. Idempotent."""
        from . import migrate  # Alembic loads only for init

        if self.is_sqlite:
            self._prepare_sqlite_file()
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
                raise LedgerError(_newer(self.name, exc.found, exc.known)) from None
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

    def _prepare_sqlite_file(self) -> None:
        """The folder and an empty file (a valid empty SQLite database) exist, so that the
        file lock can be taken before SQLite writes anything."""
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists() and not self.path.is_file():
                raise LedgerError(f"ledger {self.name} is not a file; give a file path")
            if self.path.is_file():
                self._check_one_path()
                self._check_writable()
            else:
                self._check_writable()
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o666))
        except OSError as exc:
            raise LedgerError(
                f"ledger {self.name}: cannot create the ledger file ({exc.strerror or exc})"
            ) from None

    @contextmanager
    def unit_of_work(self, write: bool = False) -> Iterator[UnitOfWork]:
        self.require()
        if write and self.is_sqlite:
            self._check_writable()
        try:
            lock = self._file_lock() if write else _nothing()
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
            return LedgerBusyError(_busy(self.name))
        if "readonly database" in text:
            return LedgerError(
                f"ledger {self.name}: the ledger file is read-only; nothing was recorded"
            )
        return LedgerError(f"ledger {self.name}: {text}")


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _busy(name: str) -> str:
    return f"ledger {name} is busy (another command is recording); nothing was recorded, try again"


def _newer(name: str, found: str, known: str) -> str:
    return (
        f"ledger {name} was made by a newer voucher-batch (schema {found}); this version "
        f"knows up to {known}; upgrade voucher-batch"
    )


def _folder_writable(path: Path | None) -> bool:
    return path is not None and os.access(path.parent, os.W_OK)


def _wal_holds_entries(path: Path | None) -> bool:
    try:
        return path is not None and Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def _mount_points() -> set[str]:
    """Where file systems are mounted (Linux); empty where the system does not say."""
    try:
        text = Path("/proc/self/mountinfo").read_text(errors="surrogateescape")
    except OSError:
        return set()
    points = set()
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) > 4:  # the fifth field is the mount point, spaces written as \040
            points.add(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4]))
    return points


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
