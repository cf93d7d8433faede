"""R11: validity dates at month ends, leap years, both validity starts."""

from __future__ import annotations

from datetime import date

import pytest

from voucher_batch.domain.model import ValidityPeriod, ValidityStart
from voucher_batch.domain.validity import add_months, valid_from, valid_until


@pytest.mark.parametrize(
    ("start", "period", "until"),
    [
        (date(2027, 1, 31), ValidityPeriod(1, "months"), date(2027, 2, 27)),
        (date(2028, 1, 31), ValidityPeriod(1, "months"), date(2028, 2, 28)),  # leap year
        (date(2028, 1, 29), ValidityPeriod(1, "months"), date(2028, 2, 28)),
        (date(2027, 3, 31), ValidityPeriod(1, "months"), date(2027, 4, 29)),
        (date(2027, 11, 30), ValidityPeriod(3, "months"), date(2028, 2, 28)),
        (date(2027, 5, 15), ValidityPeriod(12, "months"), date(2028, 5, 14)),
        (date(2027, 1, 1), ValidityPeriod(1, "days"), date(2027, 1, 1)),
        (date(2028, 2, 28), ValidityPeriod(2, "days"), date(2028, 2, 29)),
        (date(2027, 1, 1), ValidityPeriod(366, "days"), date(2028, 1, 1)),
    ],
)
def test_valid_until_is_inclusive_and_clamps_month_ends(
    start: date, period: ValidityPeriod, until: date
) -> None:
    assert valid_until(start, period) == until


def test_add_months_across_years() -> None:
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2027, 10, 31), 4) == date(2028, 2, 29)


def test_validity_start() -> None:
    decided, requested = date(2027, 3, 3), date(2027, 3, 1)
    assert valid_from(ValidityStart.VALIDITY_DATE, decided, requested) == decided
    assert valid_from(ValidityStart.ISSUANCE_DATE, decided, requested) == requested


@pytest.mark.parametrize(
    ("start", "period", "until"),
    [
        (date(9999, 12, 2), ValidityPeriod(30, "days"), date(9999, 12, 31)),
        (date(9999, 12, 3), ValidityPeriod(30, "days"), None),
        (date(9999, 12, 20), ValidityPeriod(30, "days"), None),
        (date(9999, 12, 1), ValidityPeriod(1, "months"), date(9999, 12, 31)),
        (date(9999, 12, 2), ValidityPeriod(1, "months"), None),
        (date(9999, 10, 31), ValidityPeriod(2, "months"), date(9999, 12, 30)),
        (date(9999, 1, 1), ValidityPeriod(12, "months"), date(9999, 12, 31)),
        (date(9999, 1, 2), ValidityPeriod(12, "months"), None),
        (date(9999, 12, 31), ValidityPeriod(1, "days"), date(9999, 12, 31)),
        (date(9999, 12, 31), ValidityPeriod(366, "days"), None),
    ],
)
def test_valid_until_past_the_last_date_is_none(
    start: date, period: ValidityPeriod, until: date | None
) -> None:
    """R11 at the calendar's end: 9999-12-31 is the last date, never an OverflowError."""
    assert valid_until(start, period) == until
