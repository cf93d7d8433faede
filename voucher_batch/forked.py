"""Work done by a forked process alongside the run, told back as lines on a pipe.

A forked process starts with a copy of everything the run holds (the rows, the decisions),
so it needs nothing sent to it. It ignores Ctrl-C (the run decides what an interrupt means
and stops it), has no terminal (its standard streams go to /dev/null), never pauses at a
checkpoint, goes first under memory pressure, is killed by the kernel when the process
that started it ends however it ends (PR_SET_PDEATHSIG), and leaves by `os._exit`: nothing
the run owns (a ledger connection, buffered output, exit hooks) is closed or flushed twice.
Its work must not use the ledger. Linux only: elsewhere `fork` returns None and the caller
does the work itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable

from . import checkpoints

_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends
_ERROR_MAX = 500  # characters of a failure a forked process tells

Send = Callable[[str], None]  # one line (without a newline) to the process that forked


class Forked:
    """A forked process at work, as the process that started it sees it."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
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
            _, status = os.waitpid(self.pid, 0)
            self._code = os.waitstatus_to_exitcode(status)
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


def fork(work: Callable[[Send], None]) -> Forked | None:
    """Run `work(send)` in a forked process; None where that is not done (not Linux) or
    cannot start (no process or memory left). Its exit code is 0 when `work` returned, 1
    when it raised (after sending `error <type>: <message>`)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the forked process: it never returns
        code = 1
        try:
            os.close(read_fd)
            _detach(parent)
            work(lambda line: _send(write_fd, line))
            code = 0
        except BaseException as exc:  # told to the process that forked, which decides
            text = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:_ERROR_MAX]
            with contextlib.suppress(OSError):
                _send(write_fd, f"error {text}")
        finally:
            os._exit(code)
    os.close(write_fd)
    return Forked(pid, read_fd)


def _detach(parent: int) -> None:
    """In the forked process: no Ctrl-C, no checkpoint pauses, no terminal (what a library
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
