"""Temporary files of a live run are never removed by another run, even from a container
that shares the host name and the folder but numbers its processes on its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voucher_batch.atomic import remove_stale_temps, temp_path


def test_a_fresh_temp_file_of_another_pid_namespace_is_kept(tmp_path: Path) -> None:
    code = "from pathlib import Path; from voucher_batch.atomic import temp_path; "
    code += "print(temp_path(Path('.'), '.xlsx').name)"
    try:
        out = subprocess.run(
            ["unshare", "--pid", "--fork", sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot start a process in its own pid namespace here: {exc}")
    prefix, tag, _pid, rest = out.stdout.strip().rsplit("-", 3)
    # a pid that runs in that namespace but not in this one
    theirs = tmp_path / f"{prefix}-{tag}-4194300-{rest}"
    theirs.write_bytes(b"a workbook being written by a live run")
    removed = remove_stale_temps(tmp_path)
    assert theirs not in removed and theirs.exists()
    # the same name made in this namespace, with a pid that does not run, is abandoned
    ours = temp_path(tmp_path, ".xlsx").name.rsplit("-", 3)
    abandoned = tmp_path / f"{ours[0]}-{ours[1]}-4194300-{ours[3]}"
    abandoned.write_bytes(b"left by a killed run")
    assert abandoned in remove_stale_temps(tmp_path) and not abandoned.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc tells a zombie")
def test_a_temp_file_of_a_process_that_ended_but_was_not_waited_for_is_removed(
    tmp_path: Path,
) -> None:
    """A killed run's helper process may linger as a zombie until it is waited for: it
    writes nothing more, so its temporary file is abandoned; a live process's is kept."""
    import os
    import time

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        while Path(f"/proc/{ended.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
            time.sleep(0.01)  # ended, not yet waited for
        names = temp_path(tmp_path, ".xlsx").name.rsplit("-", 3)
        files = {}
        for proc in (ended, live):
            files[proc.pid] = tmp_path / f"{names[0]}-{names[1]}-{proc.pid}-{names[3]}"
            files[proc.pid].write_bytes(b"a workbook being written")
        removed = remove_stale_temps(tmp_path)
        assert removed == [files[ended.pid]] and files[live.pid].exists()
    finally:
        live.kill()
        for proc in (ended, live):
            proc.wait()
    assert os.path.exists(files[live.pid])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pids checked in /proc")
def test_scratch_folders_of_killed_runs_are_removed_and_no_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The private folders a run makes under TMPDIR (rows written for a second process,
    row files) are named by their process: the next run removes those of a process that no
    longer runs; never a live run's, this run's, a link, a file, another prefix's."""
    import os
    import tempfile
    import time

    from voucher_batch.atomic import SCRATCH_MARK, remove_stale_scratch, scratch_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    prefix = "voucher-batch-test-"
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        mine = scratch_folder(prefix)
        assert mine.parent == tmp_path and (mine.stat().st_mode & 0o777) == 0o700
        head, _pid, tail = mine.name.rsplit("-", 2)
        dead = tmp_path / f"{head}-{ended.pid}-{tail}"
        (dead / "inner").mkdir(parents=True)
        (dead / "inner" / "table-0.rows").write_bytes(b"rows of a killed run")
        (dead / SCRATCH_MARK).write_bytes(b"")
        # a folder of the user's that someone renamed to such a name: no mark, never removed
        renamed = tmp_path / f"{head}-{ended.pid}-thesis"
        renamed.mkdir()
        (renamed / "chapter1.tex").write_text("mine")
        alive = tmp_path / f"{head}-{live.pid}-{tail}"
        alive.mkdir()
        (alive / SCRATCH_MARK).write_bytes(b"")
        day_old = time.time() - 2 * 24 * 3600  # a run suspended for two days still owns it
        os.utime(alive, (day_old, day_old))
        as_file = tmp_path / f"{head}-{ended.pid}-file"
        as_file.write_bytes(b"not a folder")
        target = tmp_path / "elsewhere"
        target.mkdir()
        (target / "keep").write_bytes(b"kept")
        link = tmp_path / f"{head}-{ended.pid}-link"
        link.symlink_to(target)
        other = tmp_path / f"voucher-batch-other-{head.rsplit('-', 1)[1]}-{ended.pid}-x"
        other.mkdir()
        assert remove_stale_scratch(prefix) == [dead]
        assert not dead.exists()
        for kept in (mine, alive, as_file, link, other, target / "keep", renamed / "chapter1.tex"):
            assert os.path.lexists(kept), kept
    finally:
        live.kill()
        live.wait()


def test_a_temp_file_of_a_live_process_is_kept_however_old(tmp_path: Path) -> None:
    """A run suspended for a day (Ctrl-Z, a sleeping laptop) still owns its files."""
    import os
    import time

    path = temp_path(tmp_path, ".xlsx")  # this machine's, a live process (this one's parent)
    head, _pid, tail = path.name.rsplit("-", 2)
    live = tmp_path / f"{head}-{os.getppid()}-{tail}"
    live.write_bytes(b"being written")
    old = time.time() - 3 * 24 * 3600
    os.utime(live, (old, old))
    assert remove_stale_temps(tmp_path) == [] and live.exists()
