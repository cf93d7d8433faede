"""Writing a file under a temporary name and moving it into place when it is complete.

A crash or a kill while writing never leaves a half-written file under the final name, and
a file is never put over another unless the caller says it may be (see `output_names`).
Temporary files carry one recognisable prefix, so the next run writing into the folder can
remove those a killed run left behind (and only those). Finished files honour the umask
like any file the user creates, and reach the disk (file and folder fsync) before the
command reports them. The same goes for the private folders of temporary files a run
makes under TMPDIR (`scratch_folder`): named by their owner, removed by the next run if a
kill left them.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import checkpoints

TEMP_PREFIX = ".voucher-batch-tmp-"
# a temp name: prefix, host tag, owning pid, random part, the final suffix (xlsxwriter and
# readers look at it); short and fixed, so a long output name never makes it too long
_TEMP_NAME = re.compile(
    r"^\.voucher-batch-tmp-([0-9a-f]{6})-(\d+)-[0-9a-f]{8}(\.[A-Za-z0-9]{1,8})?$"
)
# a temp file whose owner cannot be checked (another machine sharing the folder, or a pid
# that may have been reused) is removed only when it is clearly abandoned
ABANDONED_AFTER = 24 * 3600.0
_LINK_UNSUPPORTED = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}


def _host_tag() -> str:
    """Who can check a temp file's owning pid: this machine, since its last boot, in this pid
    namespace (containers sharing a host name and a folder have pid numbers of their own)."""
    parts = [socket.gethostname()]
    for source in ("/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"):
        try:
            parts.append(os.readlink(source) if "/ns/" in source else Path(source).read_text())
        except OSError:
            parts.append("?")
    text = "\0".join(p.strip() for p in parts)
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:6]


def temp_path(folder: Path, suffix: str = "") -> Path:
    """A fresh temporary name in `folder` that only this process uses."""
    tail = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else ""
    return folder / f"{TEMP_PREFIX}{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}{tail}"


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # elsewhere os.umask is the only way to read it: set and restore at once
    old = os.umask(0o022)
    os.umask(old)
    return old


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _finish(tmp: Path) -> None:
    """Permissions as the umask says (mkstemp-like files would be 0600) and data on disk."""
    os.chmod(tmp, 0o666 & ~current_umask())
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def place(tmp: Path, path: Path, replace: bool) -> None:
    """Move the finished `tmp` to `path`. Without `replace`, an existing `path` (anything at
    all: a file, a folder, a link) is left alone and FileExistsError is raised."""
    if replace:
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(errno.EISDIR, "a folder has this name", str(path))
        os.replace(tmp, path)
    else:
        try:
            # link() never replaces: it fails if the name exists, even if it appeared
            # a moment ago (another run, a person saving a file)
            os.link(tmp, path)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                raise FileExistsError(errno.EEXIST, "already exists", str(path)) from None
            if exc.errno not in _LINK_UNSUPPORTED:
                raise
            # file systems without hard links: check, then rename (a small window)
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, "already exists", str(path)) from None
            os.replace(tmp, path)
        else:
            os.unlink(tmp)
    fsync_dir(path.parent)


@contextmanager
def atomic_path(path: Path, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block succeeds, finish the file and
    move it to `path` (over an existing file only with `replace`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path.parent, path.suffix)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        yield tmp
        _finish(tmp)
        checkpoints.reached("replacing")
        place(tmp, path, replace)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    # a process that has ended but was not yet waited for (a zombie) writes nothing more
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True  # no /proc to ask (not Linux): taken as running
    return stat.rpartition(")")[2].split()[:1] not in (["Z"], ["X"])


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove the temporary files that runs killed while writing into `folder` left behind.

    Only names this tool makes, and only when their owner is gone: a process of this
    machine that no longer runs, or (owner unknown) a file untouched for a day. A
    concurrent run's temporary files are never touched."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    host, now = _host_tag(), time.time()
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = int(match.group(2))
        ours = match.group(1) == host
        if ours and pid == os.getpid():
            continue
        # this machine's: removed only when its process has ended, however old (a run
        # suspended for a day still owns it); another machine's: when a day old
        if (not _pid_running(pid)) if ours else age > ABANDONED_AFTER:
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


SCRATCH_MARK = ".voucher-batch-scratch"  # inside every folder `scratch_folder` makes


def scratch_folder(prefix: str) -> Path:
    """A new private folder (mode 0700) under the temporary folder (TMPDIR), named by this
    machine and process and marked inside, so that one a killed run leaves is removed by
    the next run (`remove_stale_scratch`)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{_host_tag()}-{os.getpid()}-"))
    try:
        (folder / SCRATCH_MARK).touch(mode=0o600, exist_ok=False)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def remove_stale_scratch(prefix: str) -> list[Path]:
    """Remove the folders `scratch_folder(prefix)` made for runs that were killed: only
    this user's folders of that name with the mark inside (a folder of the user's that
    someone renamed to such a name has none: never removed), only when their process on
    this machine no longer runs (or, another machine's, a folder untouched for a day)."""
    removed: list[Path] = []
    named = re.compile(rf"^{re.escape(prefix)}([0-9a-f]{{6}})-(\d+)-")
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return removed
    host, now = _host_tag(), time.time()
    for entry in entries:
        match = named.match(entry.name)
        if not match:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue
        pid = int(match.group(2))
        ours = match.group(1) == host
        if ours and pid == os.getpid():
            continue
        if (not _pid_running(pid)) if ours else now - info.st_mtime > ABANDONED_AFTER:
            try:
                mark = os.lstat(os.path.join(entry.path, SCRATCH_MARK))
            except OSError:
                continue  # not a folder this tool made
            if not stat.S_ISREG(mark.st_mode) or mark.st_uid != os.geteuid():
                continue
            shutil.rmtree(entry.path, ignore_errors=True)  # never follows a link out
            removed.append(Path(entry.path))
    return removed
