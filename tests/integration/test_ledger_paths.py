"""One SQLite ledger file, whatever the path: writers that reach it through a symlink, `..`
segments or a bind-mounted folder serialise; a second name that would keep its own journal
(a hard link, the file bind-mounted on its own) is refused. And a read-only ledger can still
be read, while a write on it stops with one sentence.

These are SQLite matters (a PostgreSQL ledger has no path), so they run on SQLite only, with
real processes. Bind mounts and `chattr +i` need root: those tests skip without it. Running
as root, chmod does not stop us, so file modes are tested by running the command line as the
user `nobody` (setpriv).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest

from tests.workbooks import AS_OF, Cli, Result, ready_ledger, request, rows_of, write_workbook

PROCESSES = 4
PER_PROCESS = 3
QUOTA = 6_000  # template amount 1000: 12 requests of 1000 compete for 6 places
AS_NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def _env(ledger: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "VOUCHER_BATCH_LEDGER": ledger,
        "VOUCHER_BATCH_AS_OF": AS_OF,
        "VOUCHER_BATCH_OPERATOR": "ops.lead",
        "VOUCHER_BATCH_PAUSE_AT": "recording",  # makes the batches overlap for certain
        "VOUCHER_BATCH_PAUSE_SECONDS": "0.3",
        **extra,
    }
    env.pop("VOUCHER_BATCH_DEBUG", None)
    return env


def _books(cli: Cli) -> list[Path]:
    return [
        write_workbook(
            cli.folder / f"race-{p}.xlsx",
            {"Requests": [request(f"P{p}-R{n}") for n in range(PER_PROCESS)]},
        )
        for p in range(PROCESSES)
    ]


def _command(book: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "voucher_batch", "ingest", str(book), "--out-dir", str(out)]


def _race(cli: Cli, ledgers: Sequence[str], wrap: Sequence[str] = ()) -> list[tuple[int, str, str]]:
    """Ingest one workbook per process, process p reaching the ledger as ledgers[p % n];
    `wrap` runs them all inside one command (e.g. a private mount namespace)."""
    books = _books(cli)
    if wrap:
        script = "\n".join(
            f"VOUCHER_BATCH_LEDGER='{ledgers[p % len(ledgers)]}' "
            + " ".join(f"'{a}'" for a in _command(book, cli.folder / f"out-{p}"))
            + f" >'{cli.folder}/o-{p}' 2>'{cli.folder}/e-{p}'; echo $? >'{cli.folder}/c-{p}' &"
            for p, book in enumerate(books)
        )
        done = subprocess.run(
            [*wrap, "sh", "-c", f"{script}\nwait"],
            cwd=cli.folder,
            env=_env(ledgers[0]),
            timeout=300,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return [
            (
                int((cli.folder / f"c-{p}").read_text()),
                (cli.folder / f"o-{p}").read_text(),
                (cli.folder / f"e-{p}").read_text(),
            )
            for p in range(PROCESSES)
        ]
    procs = [
        subprocess.Popen(
            _command(book, cli.folder / f"out-{p}"),
            cwd=cli.folder,
            env=_env(ledgers[p % len(ledgers)]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p, book in enumerate(books)
    ]
    return [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]


def _accepted_by_recorded_batches(cli: Cli, results: list[tuple[int, str, str]]) -> int:
    """The requests that processes reporting 'recorded' say they accepted."""
    accepted = 0
    for p, (code, out, err) in enumerate(results):
        assert "Traceback" not in err
        if code == 2:
            continue
        assert code in (0, 1) and "recorded;" in out, (code, out, err)
        book = openpyxl.load_workbook(cli.folder / f"out-{p}" / f"race-{p}-decisions.xlsx")
        accepted += sum(r["Decision"] == "Pending approval" for r in rows_of(book["Requests"]))
    return accepted


def _nothing_lost(cli: Cli, accepted: int) -> None:
    """Every batch reported recorded is in the ledger once, and no more than the quota."""
    balance = cli.quota()
    assert balance["issued"] == accepted * 1000 <= balance["quota"]
    vouchers = cli("vouchers", "list", "--json")
    assert vouchers.code == 0, vouchers.stderr
    assert len(vouchers.json()) == accepted
    verify = cli("ledger", "verify")
    assert verify.code == 0, verify.stdout + verify.stderr


@pytest.mark.slow  # batches raced in real processes
def test_writers_through_a_symlink_and_dotdot_paths_serialise(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    ready_ledger(cli, quota=QUOTA)
    (tmp_path / "link.sqlite3").symlink_to(cli.ledger)
    (tmp_path / "sub").mkdir()
    (tmp_path / "linked-folder").symlink_to(tmp_path)
    ledgers = [
        cli.ledger,
        str(tmp_path / "link.sqlite3"),
        f"sqlite:///{tmp_path}/sub/../link.sqlite3",
        f"sqlite:///{tmp_path}/linked-folder/ledger.sqlite3",
    ]
    results = _race(cli, ledgers)
    assert all(code in (0, 1) for code, _o, _e in results), results
    accepted = _accepted_by_recorded_batches(cli, results)
    assert accepted * 1000 == QUOTA  # all serialised: exactly the quota, first fit
    _nothing_lost(cli, accepted)


def test_a_ledger_with_two_hard_links_is_refused(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    ready_ledger(cli, quota=QUOTA)
    other = tmp_path / "elsewhere" / "same-ledger.sqlite3"
    other.parent.mkdir()
    os.link(cli.ledger, other)
    results = _race(cli, [cli.ledger, str(other)])
    for code, _out, err in results:
        assert code == 2
        assert "2 names on disk (hard links)" in err and len(err.strip().splitlines()) == 1
    for args in (("quota", "show"), ("ledger", "verify"), ("init",)):
        assert cli(*args).code == 2
    other.unlink()
    _nothing_lost(cli, _accepted_by_recorded_batches(cli, results))


def test_a_writer_waits_for_the_lock_on_the_file_itself(tmp_path: Path) -> None:
    """Writers serialise on the file (its inode), not on the name they opened it by:
    while another holder locks the file, a grant waits, then stops as busy."""
    import fcntl

    cli = Cli(tmp_path)
    ready_ledger(cli, quota=QUOTA)
    other_name = tmp_path / "linked-folder"
    other_name.symlink_to(tmp_path)
    with open(other_name / "ledger.sqlite3", "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = cli("quota", "grant", "700", "--by", "sales.rep", VOUCHER_BATCH_BUSY_TIMEOUT="0.5")
        assert busy.code == 2
        assert "busy" in busy.stderr and len(busy.stderr.strip().splitlines()) == 1
        assert cli.quota()["quota"] == QUOTA  # readers do not wait
    granted = cli("quota", "grant", "700", "--by", "sales.rep")
    assert granted.code == 0, granted.stderr
    assert cli.quota()["quota"] == QUOTA + 700


def _can_bind_mount(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    (tmp_path / "probe-a").mkdir()
    (tmp_path / "probe-b").mkdir()
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "mount", "--bind", "probe-a", "probe-b"],
        cwd=tmp_path,
        capture_output=True,
    )
    return probe.returncode == 0


def _private_mount(source: Path, target: Path) -> list[str]:
    """A command prefix: a private mount namespace (nothing leaks to the machine) where
    `source` is also reachable as `target`."""
    return [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        f"mount --bind '{source}' '{target}' && exec \"$@\"",
        "mounted",
    ]


@pytest.mark.slow  # batches raced in real processes
def test_writers_through_a_bind_mounted_folder_serialise(tmp_path: Path) -> None:
    if not _can_bind_mount(tmp_path):
        pytest.skip("bind mounts need root and unshare")
    cli = Cli(tmp_path)
    ready_ledger(cli, quota=QUOTA)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    results = _race(
        cli,
        [cli.ledger, str(mirror / "ledger.sqlite3")],
        wrap=_private_mount(tmp_path, mirror),
    )
    assert all(code in (0, 1) for code, _o, _e in results), results
    accepted = _accepted_by_recorded_batches(cli, results)
    assert accepted * 1000 == QUOTA
    _nothing_lost(cli, accepted)


@pytest.mark.slow  # batches raced in real processes
def test_a_ledger_file_bind_mounted_on_its_own_is_refused(tmp_path: Path) -> None:
    if not _can_bind_mount(tmp_path):
        pytest.skip("bind mounts need root and unshare")
    cli = Cli(tmp_path)
    ready_ledger(cli, quota=QUOTA)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "ledger.sqlite3"
    target.touch()
    results = _race(cli, [cli.ledger, str(target)], wrap=_private_mount(Path(cli.ledger), target))
    for p, (code, _out, err) in enumerate(results):
        if p % 2:  # through the mounted file: refused
            assert code == 2
            assert "mounted on its own" in err and len(err.strip().splitlines()) == 1
        else:  # through the file's own folder: recorded as usual
            assert code in (0, 1), err
    _nothing_lost(cli, _accepted_by_recorded_batches(cli, results))


# ---- a read-only ledger ------------------------------------------------------------


READS: list[tuple[str, ...]] = [
    ("quota", "show", "--json"),
    ("vouchers", "list", "--json"),
    ("templates", "list", "--json"),
    ("ledger", "verify"),
]
WRITES: list[tuple[str, ...]] = [
    ("quota", "grant", "700", "--by", "sales.rep"),
    ("init",),
]


def _with_issuance(cli: Cli) -> None:
    ready_ledger(cli, quota=QUOTA)
    book = write_workbook(cli.folder / "one.xlsx", {"Requests": [request("R-1")]})
    assert cli.ingest(book).code == 0


def _digest(folder: Path) -> dict[str, str]:
    """The ledger's content: the file and any journal holding entries (the -shm file is
    shared memory that every reader may touch)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.name in ("ledger.sqlite3", "ledger.sqlite3-wal") and p.stat().st_size
    }


def _reads_work_and_writes_stop(run: Cli, out_dir: Path, words: str) -> None:
    for args in READS:
        result = run(*args)
        assert result.code == 0, (args, result.stderr)
    assert run("quota", "show", "--json").json()["issued"] == 1000
    assert len(run("vouchers", "list", "--json").json()) == 1
    report = run("report", "monthly", "--month", "2026-11", "--out-dir", str(out_dir), "--json")
    assert report.code == 0, report.stderr
    assert report.json()["requested"] == 1000
    assert (out_dir / "quota-2026-11.html").is_file()
    for args in WRITES:
        result = run(*args)
        assert result.code == 2, (args, result.stdout)
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr


@contextmanager
def _immutable(path: Path) -> Iterator[None]:
    """`chattr +i`: not even root may change it (or, for a folder, add a file to it)."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("this file system or user cannot set the immutable flag")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_an_immutable_ledger_file_is_read_but_never_written(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    _with_issuance(cli)
    before = _digest(tmp_path)
    with _immutable(Path(cli.ledger)):
        _reads_work_and_writes_stop(cli, tmp_path / "reports", "the ledger file is read-only")
    assert _digest(tmp_path) == before


def test_a_ledger_in_an_immutable_folder_is_read_but_never_written(tmp_path: Path) -> None:
    folder = tmp_path / "ledger-folder"
    folder.mkdir()
    cli = Cli(tmp_path, ledger=str(folder / "ledger.sqlite3"))
    _with_issuance(cli)
    assert sorted(p.name for p in folder.iterdir()) == ["ledger.sqlite3"]  # no journal left
    before = _digest(folder)
    with _immutable(folder):
        _reads_work_and_writes_stop(cli, tmp_path / "reports", "read-only")
        assert sorted(p.name for p in folder.iterdir()) == ["ledger.sqlite3"]
    assert _digest(folder) == before


class _Nobody(Cli):
    """The command line run as the user nobody (uid 65534), who may not write the ledger."""

    def __call__(
        self, *args: str, as_of: str = AS_OF, operator: str = "ops.lead", **env: str
    ) -> Result:
        full_env = {
            **os.environ,
            "VOUCHER_BATCH_LEDGER": self.ledger,
            "VOUCHER_BATCH_AS_OF": as_of,
            "VOUCHER_BATCH_OPERATOR": operator,
            "MPLCONFIGDIR": str(self.folder / "mpl"),
            "HOME": str(self.folder),
            **env,
        }
        full_env.pop("VOUCHER_BATCH_DEBUG", None)
        proc = subprocess.run(
            [*AS_NOBODY, sys.executable, "-m", "voucher_batch", *args],
            cwd=self.folder,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


@contextmanager
def _shared_folder() -> Iterator[Path]:
    """A folder that the user nobody can reach (pytest's own is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="vb-ledger-paths-"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        for p in folder.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(folder)


def _nobody_can_run_python(folder: Path) -> bool:
    probe = subprocess.run(
        [*AS_NOBODY, sys.executable, "-c", "import voucher_batch.cli"],
        cwd=folder,
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.slow  # one real process per command, run as another user
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_ledger_others_may_not_write_is_read_but_never_written(read_only: str) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the command line as another user")
    with _shared_folder() as folder:
        if not _nobody_can_run_python(folder):
            pytest.skip("the user nobody cannot run this Python")
        ledger_folder = folder / "ledger-folder"
        ledger_folder.mkdir()
        cli = Cli(folder, ledger=str(ledger_folder / "ledger.sqlite3"))
        _with_issuance(cli)
        (folder / "mpl").mkdir(mode=0o777)
        out = folder / "reports-of-nobody"
        out.mkdir(mode=0o777)
        out.chmod(0o777)
        (folder / "mpl").chmod(0o777)
        # nobody may write the folder but not the file, or the file but not the folder
        Path(cli.ledger).chmod(0o444 if read_only == "file" else 0o666)
        ledger_folder.chmod(0o777 if read_only == "file" else 0o555)
        before = _digest(ledger_folder)
        nobody = _Nobody(folder, ledger=cli.ledger)
        words = "the ledger file is read-only" if read_only == "file" else "folder is read-only"
        _reads_work_and_writes_stop(nobody, out, words)
        assert _digest(ledger_folder) == before
