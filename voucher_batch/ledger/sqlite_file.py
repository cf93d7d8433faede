"""The one SQLite file behind a ledger path: the lock that serialises its writers, whether
its folder can hold the journal, whether the journal holds entries not yet in the file, and
whether the file is reached by one name only (two names of one file would keep two
journals, see `connection`)."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from ..errors import LedgerError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's own locks only
    fcntl = None  # type: ignore[assignment]


def busy(name: str) -> str:
    """What a writer that waited past the busy timeout is told (SQLite and PostgreSQL)."""
    return f"ledger {name} is busy (another command is recording); nothing was recorded, try again"


class WriterLock:
    """An exclusive lock on the ledger file itself while writing, so that writers reaching
    it through any path are serialised (BEGIN IMMEDIATE is per journal, and the journal is
    per path). Re-entrant within a process; `flock` does not tell a process's threads
    apart, so a thread lock is held with it."""

    def __init__(self, open_fd: Callable[[], int], busy_error: Callable[[], Exception]) -> None:
        self._open_fd = open_fd  # the owner keeps the descriptor: closing it drops SQLite's locks
        self._busy_error = busy_error
        self._depth = 0
        self._thread_lock = threading.RLock()

    @contextmanager
    def held(self, busy_timeout: float) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        if not self._thread_lock.acquire(timeout=busy_timeout):
            raise self._busy_error()
        try:
            fd = self._open_fd()
            if self._depth == 0:
                deadline = time.monotonic() + busy_timeout
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise self._busy_error() from None
                        time.sleep(0.02)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)  # never close it here
        finally:
            self._thread_lock.release()


def folder_writable(path: Path | None) -> bool:
    return path is not None and os.access(path.parent, os.W_OK)


def wal_holds_entries(path: Path | None) -> bool:
    try:
        return path is not None and Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def mount_points() -> set[str]:
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


def open_read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A read-only connection that never writes the file or its folder."""
    uri = f"file:{quote(str(path))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, check_same_thread=False)
    try:
        conn.execute("PRAGMA schema_version").fetchone()  # opens the file and its journal
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if folder_writable(path) or wal_holds_entries(path):
            raise
    # The folder cannot hold the -wal/-shm files and there is no journal to read: the
    # file alone is the whole ledger, and nobody can write it without that folder.
    return sqlite3.connect(
        f"{uri}&immutable=1", uri=True, timeout=busy_timeout, check_same_thread=False
    )


def check_one_path(path: Path, name: str) -> None:
    """Refuse a SQLite file that other paths reach with their own journal."""
    try:
        links = path.stat().st_nlink
    except OSError:
        return  # reported by whoever opens it next, with the reason
    if links > 1:
        raise LedgerError(
            f"ledger {name} has {links} names on disk (hard links); SQLite keeps a "
            "journal per name, so a batch recorded through one name could be lost "
            f"through another; keep one name (find the others with 'find / -xdev "
            f"-samefile {path}') and try again"
        )
    if str(path) in mount_points():
        raise LedgerError(
            f"ledger {name} is a file mounted on its own (a bind mount), so "
            "SQLite's journal beside it is not the one beside the original; mount the "
            "folder that holds the ledger instead"
        )


def check_writable(path: Path, name: str) -> None:
    """A write on a read-only ledger stops before anything is opened for writing."""
    if path.exists() and not os.access(path, os.W_OK):
        raise LedgerError(f"ledger {name}: the ledger file is read-only; nothing was recorded")
    if not folder_writable(path):
        raise LedgerError(
            f"ledger {name}: the ledger's folder is read-only and SQLite must write "
            "its journal there; nothing was recorded"
        )


def prepare_file(path: Path, name: str) -> None:
    """The folder and an empty file (a valid empty SQLite database) exist, so that the
    file lock can be taken before SQLite writes anything."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and not path.is_file():
            raise LedgerError(f"ledger {name} is not a file; give a file path")
        if path.is_file():
            check_one_path(path, name)
            check_writable(path, name)
        else:
            check_writable(path, name)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o666))
    except OSError as exc:
        raise LedgerError(
            f"ledger {name}: cannot create the ledger file ({exc.strerror or exc})"
        ) from None
