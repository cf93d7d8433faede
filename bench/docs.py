"""What the benchmarks write into docs/benchmarks.md: the machine a run was on, and the
run's section between its two markers (`<!-- bench_NAME: start -->` ... `end -->`),
rewritten in place or added at the end."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Iterable
from datetime import date
from importlib import metadata
from pathlib import Path


def machine(libraries: Iterable[str]) -> str:
    versions = []
    for name in libraries:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{date.today().isoformat()}, {os.cpu_count()} cores, load average {load} at the end, "
        f"Python {platform.python_version()}, {', '.join(versions)}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def write_section(path: Path, name: str, text: str) -> None:
    start, end = f"<!-- bench_{name}: start -->", f"<!-- bench_{name}: end -->"
    body = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"{start}\n{text}\n{end}"
    if start in body and end in body:
        head, rest = body.split(start, 1)
        body = head + section + rest.split(end, 1)[1]
    else:
        body = body.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(body, encoding="utf-8")
