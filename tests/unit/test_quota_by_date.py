"""R14 and R16 in the domain: the remaining quota by business date, and the sum ceiling."""

from __future__ import annotations

from datetime import date

import pytest

from voucher_batch.domain.quota import (
    SUM_MAX,
    Balance,
    QuotaRuleError,
    Totals,
    check_change,
    limit_from,
    negative_days,
)

D = date


def test_a_later_grant_does_not_count_before_its_date() -> None:
    deltas = [(D(2026, 11, 27), 50_000)]
    limit = limit_from(deltas, D(2026, 11, 2))
    assert (limit.available, limit.day, limit.on_date) == (0, D(2026, 11, 2), 0)
    assert "remaining quota on 2026-11-02 is 0" in limit.shortfall(D(2026, 11, 2))
    assert limit_from(deltas, D(2026, 11, 27)).available == 50_000
    assert limit_from(deltas, D(2026, 12, 1)).available == 50_000


def test_the_smallest_remaining_on_any_later_day_limits_a_backdated_entry() -> None:
    deltas = [
        (D(2026, 11, 1), 10_000),  # grant
        (D(2026, 11, 20), -8_000),  # requests recorded on the 20th
        (D(2026, 11, 25), -1_500),  # a reclaim on the 25th
        (D(2026, 11, 28), 3_000),  # a rejection returns quota
    ]
    limit = limit_from(deltas, D(2026, 11, 10))
    assert limit.on_date == 10_000
    assert (limit.available, limit.day) == (500, D(2026, 11, 25))
    assert "2026-11-25 is 500" in limit.shortfall(D(2026, 11, 10))
    after = limit.after(400)
    assert (after.available, after.on_date) == (100, 9_600)


def test_negative_days_lists_every_day_below_zero() -> None:
    deltas = [(D(2026, 11, 2), -1_000), (D(2026, 11, 5), 500), (D(2026, 11, 27), 50_000)]
    assert negative_days(deltas) == [(D(2026, 11, 2), -1_000), (D(2026, 11, 5), -500)]
    assert negative_days([(D(2026, 11, 1), 5), (D(2026, 11, 2), -5)]) == []


def test_reclaim_is_checked_on_its_date_and_every_later_one() -> None:
    balance = Balance(quota=50_000, pending=0, approved=0, rejected=0)
    limit = limit_from([(D(2026, 11, 27), 50_000)], D(2026, 11, 2))
    with pytest.raises(QuotaRuleError, match=r"on 2026-11-02.*R14"):
        check_change(balance, "reclaim", 5_000, limit, Totals(granted=50_000), D(2026, 11, 2))
    after = check_change(
        balance,
        "reclaim",
        5_000,
        limit_from([(D(2026, 11, 27), 50_000)], D(2026, 11, 27)),
        Totals(granted=50_000),
        D(2026, 11, 27),
    )
    assert after.quota == 45_000


def test_no_grant_takes_a_stored_sum_past_the_ceiling() -> None:
    balance = Balance(quota=SUM_MAX - 10, pending=0, approved=0, rejected=0)
    assert check_change(balance, "grant", 10, totals=Totals(granted=SUM_MAX - 10)).quota == SUM_MAX
    with pytest.raises(QuotaRuleError, match="R16"):
        check_change(balance, "grant", 11, totals=Totals(granted=SUM_MAX - 10))
