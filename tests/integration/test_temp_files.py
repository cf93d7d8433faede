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
