"""Fuzzing the workbook reader with Hypothesis: random bytes, byte-mutated workbooks and
mutated sheet XML inside a valid package. Whatever the input, reading either succeeds or
raises InputFileError (a one-line error, exit 2) — never another exception, never a hang.

The default test run does a short pass; `make fuzz` runs long (FUZZ_EXAMPLES, default
3000 examples per target).
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbooks import customer, request, template, write_workbook
from voucher_batch.errors import InputFileError
from voucher_batch.workbook.reader import read_workbook
from voucher_batch.workbook.validation import check_sheet

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 40,  # the short pass in `make test` is repeatable
)


def _seed_workbook() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(
            Path(folder) / "seed.xlsx",
            {
                "Customers": [customer("100012340001")],
                "Templates": [template("Starter Trial", 1000)],
                "Requests": [request("R-1"), request("R-2", revenue="12,000")],
            },
        )
        return path.read_bytes()


SEED = _seed_workbook()


def _read(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.xlsx"
        path.write_bytes(data)
        try:
            book = read_workbook(path)
        except InputFileError as exc:
            assert exc.message.startswith("fuzz.xlsx:"), exc.message
            assert "\n" not in exc.message
            return
        for sheet in book.sheets:
            check_sheet(sheet)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    _read(data)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), max_size=12),
    st.integers(0, len(SEED)),
)
def test_byte_mutations_of_a_real_workbook(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(SEED)
    for at, value in flips:
        data[at] = value
    _read(bytes(data[: max(cut, 1)]))


def _members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(SEED)) as z:
        return {n: z.read(n) for n in z.namelist()}


MEMBERS = _members()
XML_PARTS = sorted(n for n in MEMBERS if n.endswith(".xml"))


@FUZZ
@given(
    st.sampled_from(XML_PARTS),
    st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=8)), min_size=1, max_size=6),
)
def test_mutated_xml_inside_a_valid_package(part: str, edits: list[tuple[float, bytes]]) -> None:
    xml = bytearray(MEMBERS[part])
    for where, chunk in edits:
        at = int(where * len(xml))
        xml[at : at + len(chunk)] = chunk
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in MEMBERS.items():
            z.writestr(name, bytes(xml) if name == part else content)
    _read(buf.getvalue())
