"""The published sheet contracts in schemas/ match the package's sheet definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.generate import render
from voucher_batch.workbook.sheets import INPUT_SHEETS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", [s.name for s in INPUT_SHEETS])
def test_schema_file_is_current(name: str) -> None:
    path = ROOT / "schemas" / f"{name.lower()}.json"
    assert path.read_text(encoding="utf-8") == render(name), "run `make schemas`"
