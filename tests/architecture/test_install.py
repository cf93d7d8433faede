"""How `make` installs: the tool alone for `make demo`, the test tooling for `make test`,
both at the versions pinned in constraints.txt, and again when that file changes. Checked
with `make -n` (what make would run), so nothing is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import voucher_batch

ROOT = Path(voucher_batch.__file__).parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _would_run(*args: str) -> str:
    proc = subprocess.run(
        ["make", "-n", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _installs(plan: str) -> list[str]:
    return [line for line in plan.splitlines() if " pip install" in line and "-c " in line]


def test_demo_installs_the_tool_alone_at_the_pinned_versions() -> None:
    installs = _installs(_would_run("-W", "constraints.txt", "demo"))
    assert installs, "a changed constraints.txt must install again"
    assert all("-c constraints.txt" in line for line in installs)
    assert not any("[test]" in line for line in installs)


def test_test_adds_the_test_tooling_at_the_pinned_versions() -> None:
    installs = _installs(_would_run("-W", "constraints.txt", "lint"))
    assert any("'.[test]'" in line for line in installs), installs
    assert all("-c constraints.txt" in line for line in installs)


def test_a_changed_pyproject_installs_again() -> None:
    assert _installs(_would_run("-W", "pyproject.toml", "demo"))


def test_the_constraints_pin_every_dependency_exactly() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line.strip())
            assert match, f"not an exact pin: {line!r}"
            pins[match[1].lower().replace("_", "-")] = match[2]
    for needed in (
        "click",
        "pandas",
        "sqlalchemy",
        "openpyxl",
        "platformdirs",
        "pytest",
        "psycopg",
    ):
        assert needed in pins, needed
    assert "voucher-batch" not in pins and "voucher_batch" not in pins


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.strip().partition("==")
            pins[_canonical(name)] = version
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _needed(dist: str, extras: tuple[str, ...] = ()) -> set[str]:
    """`dist`'s requirements (with `extras`), and theirs, as installed here."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(dist, extras)]
    while todo:
        name, wanted = todo.pop()
        try:
            declared = requires(name) or []
        except PackageNotFoundError:
            continue  # not installed for this platform or Python
        for text in declared:
            req = Requirement(text)
            environments = [{"extra": e} for e in ("", *wanted)]
            if req.marker and not any(req.marker.evaluate(env) for env in environments):
                continue
            key = _canonical(req.name)
            if key not in seen:
                seen.add(key)
                todo.append((req.name, tuple(req.extras)))
    return seen


def test_the_constraints_pin_every_package_make_installs() -> None:
    # a dependency added to pyproject.toml without `make lock` would install unpinned
    needed = _needed("voucher_batch", ("test", "postgres"))
    missing = sorted(needed - set(_pins()) - {"voucher-batch"})
    assert not missing, f"constraints.txt does not pin {missing}: run `make lock`"
