"""Work done by a second process alongside the run, told back as lines on a pipe.

`spawn` starts a fresh interpreter and sends it the work, pickled (a function of a module
and its arguments, which should be small: rows go in files, see `workbook.spool`): its
memory is its own. (A forked copy of the run would need nothing sent, but the two share
the run's pages only until either writes to one, and Python writes to an object whenever
it is used, its reference count: a copy that lives while the run goes on using a million
rows ends up holding a copy of every page they lie on.)

The process ignores Ctrl-C (the run decides what an interrupt means and stops it), has
no terminal (its standard streams go to /dev/null), never pauses at a checkpoint, goes
first under memory pressure, is killed by the kernel when the process that started it ends
however it ends (PR_SET_PDEATHSIG), and leaves by `os._exit`: nothing the run owns (a
ledger connection, buffered output, exit hooks) is closed or flushed twice. Its work must
not use the ledger. Linux only: elsewhere `spawn` returns None and the caller does the
work itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import cast

from . import checkpoints

_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends
_ERROR_MAX = 500  # characters of a failure the second process tells

Send = Callable[[str], None]  # one line (without a newline) to the process that started it


class SecondProcess:
    """A second process at work, as the process that started it sees it."""

    def __init__(self, pid: int, fd: int, popen: subprocess.Popen[bytes]) -> None:
        self.pid = pid
        self._popen = popen
        self.error = ""  # what the work raised, as it told it ("" if it did not say)
        self._fd: int | None = fd
        self._buffer = b""
        self._code: int | None = None

    @property
    def running(self) -> bool:
        return self._code is None

    def message(self) -> str | None:
        """The next line the process sent (None: it has ended or closed its end). A line
        `error <text>` is kept in `error` and returned like any other."""
        while b"\n" not in self._buffer:
            chunk = os.read(self._fd, 65_536) if self._fd is not None else b""
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        text = line.decode("utf-8", "replace")
        if text.startswith("error "):
            self.error = text[6:]
        return text

    def wait(self) -> int:
        """Its exit code, once it has ended (negative: the signal that ended it)."""
        if self._code is None:
            self._code = self._popen.wait()
        self._close()
        return self._code

    def stop(self) -> None:
        """Kill it if it still runs, and wait for it."""
        if self._code is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.wait()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def spawn(work: Callable[[Send], None]) -> SecondProcess | None:
    """Run `work(send)` in a fresh interpreter (see the module docstring); `work` must
    pickle (a module's function, or a `functools.partial` of one). None where that is not
    done (not Linux) or cannot start (work that does not pickle, no process left). Its exit
    code is 0 when `work` returned, 1 when it raised (after sending `error <type>:
    <message>`), negative when a signal ended it."""
    if not sys.platform.startswith("linux") or not sys.executable:
        return None
    try:
        # with how this process turns names into bytes: a path must name the same file there
        names = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
        job = pickle.dumps((names, work), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    # the modules this process imports, found where it finds them (no folder added: -P),
    # under this interpreter's own options (-E, -I, -X utf8, ...)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    flags = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]
    command = [sys.executable, *flags, "-P", "-c", _SERVE, str(write_fd), str(os.getpid())]
    try:
        popen = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write_fd,),
            process_group=0,  # Ctrl-C at the terminal reaches the run only
            env=env,
        )
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    os.close(write_fd)
    process = SecondProcess(popen.pid, read_fd, popen)
    try:
        assert popen.stdin is not None
        with popen.stdin:
            popen.stdin.write(job)
    except OSError:  # it ended before it read its work
        process.stop()
        return None
    return process


_SERVE = "from voucher_batch.second_process import serve; serve()"


def serve() -> None:
    """In a spawned process: the work read from standard input, done, told on the pipe
    named by the first argument (see `spawn`). It never returns."""
    code = 1
    try:
        write_fd, parent = int(sys.argv[1]), int(sys.argv[2])
        job = sys.stdin.buffer.read()
        _detach(parent)
        # the work as the process that started it pickled it (a failure to load it, such as
        # a module not found, is told like any failure of the work)
        code = _run(lambda send: _load(job)(send), write_fd)
    finally:
        os._exit(code)


def _load(job: bytes) -> Callable[[Send], None]:
    names, work = pickle.loads(job)
    here = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    if names != here:  # a path would name another file here: the run does the work itself
        raise RuntimeError(f"file names are encoded as {here}, not {names} as by the run")
    return cast(Callable[[Send], None], work)


def _run(work: Callable[[Send], None], write_fd: int) -> int:
    """`work` done, its failure told on `write_fd` as one line: the exit code."""
    try:
        work(lambda line: _send(write_fd, line))
    except BaseException as exc:  # told to the process that started it, which decides
        text = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:_ERROR_MAX]
        with contextlib.suppress(OSError):
            _send(write_fd, f"error {text}")
        return 1
    return 0


def _detach(parent: int) -> None:
    """In the second process: no Ctrl-C, no checkpoint pauses, no terminal (what a library
    prints, such as a finaliser's "Exception ignored", goes nowhere: the run alone speaks),
    and an end with `parent`."""
    import ctypes

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's life
    os.environ.pop(checkpoints.PAUSE_AT, None)
    # under memory pressure the kernel ends this process first, not the run (whose work it
    # only hastens: the run then does it itself)
    with (
        contextlib.suppress(OSError),
        open("/proc/self/oom_score_adj", "w", encoding="ascii") as adj,
    ):
        adj.write("1000")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)


def _send(fd: int, line: str) -> None:
    os.write(fd, line.encode("utf-8") + b"\n")
