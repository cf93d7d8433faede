"""Cell readers: contract section 2 (whole numbers, dates, UINs, text)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from voucher_batch.domain.problems import Code
from voucher_batch.workbook.cells import CellProblem, clean_text, read_date, read_uin, read_whole
from voucher_batch.workbook.sheets import normalize_header


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12000, 12000),
        (12000.0, 12000),
        ("12,000", 12000),
        ("1,234,567", 1234567),
        ("１２，０００".replace("，", ","), 12000),
        (" 42 ", 42),
        ("٤٢", 42),
        ("-5", -5),
    ],
)
def test_whole_numbers_accepted(raw: object, expected: int) -> None:
    assert read_whole(raw) == expected


@pytest.mark.parametrize("raw", [12.5, "12.5", "1.000", "12k", "1,00", True, "", "1 000"])
def test_whole_numbers_refused(raw: object) -> None:
    with pytest.raises(CellProblem) as exc:
        read_whole(raw)
    assert exc.value.code is Code.NOT_WHOLE_NUMBER


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2027, 3, 4), date(2027, 3, 4)),
        (date(2027, 3, 4), date(2027, 3, 4)),
        ("2027-03-04", date(2027, 3, 4)),
        ("2027/3/4", date(2027, 3, 4)),
        ("２０２７-０３-０４", date(2027, 3, 4)),
    ],
)
def test_dates_accepted(raw: object, expected: date) -> None:
    assert read_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("03/04/2027", Code.AMBIGUOUS_DATE),
        ("4.3.2027", Code.AMBIGUOUS_DATE),
        ("2027-02-30", Code.NOT_A_DATE),
        ("next week", Code.NOT_A_DATE),
        (46000, Code.NOT_A_DATE),
        (datetime(2027, 3, 4, 12, 30), Code.NOT_A_DATE),
    ],
)
def test_dates_refused(raw: object, code: Code) -> None:
    with pytest.raises(CellProblem) as exc:
        read_date(raw)
    assert exc.value.code is code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (100012345678, "100012345678"),
        (100012345678.0, "100012345678"),
        ("00012345", "00012345"),
        ("１０００１２３４５", "100012345"),
        ("\u200b100012345\ufeff", "100012345"),
    ],
)
def test_uins_accepted(raw: object, expected: str) -> None:
    assert read_uin(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1.00012E+11", Code.UIN_PRECISION_LOST),
        (12345678901234567.0, Code.UIN_PRECISION_LOST),
        ("1234", Code.BAD_UIN),
        ("123456789012345678901", Code.BAD_UIN),
        ("12a45", Code.BAD_UIN),
        (1.5, Code.BAD_UIN),
        (True, Code.BAD_UIN),
    ],
)
def test_uins_refused(raw: object, code: Code) -> None:
    with pytest.raises(CellProblem) as exc:
        read_uin(raw)
    assert exc.value.code is code


def test_text_cleaning() -> None:
    assert clean_text("\u00a0 a\u00a0b \u200b") == "a b"
    assert clean_text("\ufeffR-1") == "R-1"


@pytest.mark.parametrize(
    "header",
    ["Amount (USD)", "  AMOUNT ", "amount", "Amount\u00a0(USD)"],
)
def test_header_normalisation(header: str) -> None:
    assert normalize_header(header) == "amount"


def test_header_separators() -> None:
    assert normalize_header("customer_uin") == normalize_header("Customer-UIN") == "customer uin"
    assert normalize_header("\ufeffRequest  ID") == "request id"


def test_full_width_separators() -> None:
    assert read_whole("１２，０００") == 12000
    assert read_date("２０２７／０３／０４") == date(2027, 3, 4)
