from __future__ import annotations

import pytest

from voucher_batch.domain.quota import Balance, QuotaRuleError, check_change


def test_balance_arithmetic() -> None:
    b = Balance(quota=1000, pending=300, approved=200, rejected=999)
    assert (b.issued, b.remaining) == (500, 500)
    assert b.as_dict()["rejected"] == 999


def test_grant_and_reclaim() -> None:
    b = Balance(1000, 300, 200, 0)
    assert check_change(b, "grant", 10).quota == 1010
    assert check_change(b, "reclaim", 500).quota == 500


def test_reclaim_may_not_go_below_issued() -> None:
    with pytest.raises(QuotaRuleError, match="R1"):
        check_change(Balance(1000, 300, 200, 0), "reclaim", 501)


@pytest.mark.parametrize("amount", [0, -1])
def test_amount_must_be_positive(amount: int) -> None:
    with pytest.raises(QuotaRuleError):
        check_change(Balance(0, 0, 0, 0), "grant", amount)


def test_errors_are_always_one_line() -> None:
    from voucher_batch.errors import InputFileError

    exc = InputFileError("book.xlsx: not readable (ValueError: could not read\n  see details)")
    assert exc.message == "book.xlsx: not readable (ValueError: could not read see details)"
