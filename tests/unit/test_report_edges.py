"""The monthly report at the ends of the calendar: no date arithmetic past 9999-12-31."""

from __future__ import annotations

from datetime import date

from voucher_batch.calendars import business_calendar
from voucher_batch.domain.report import QuotaMove, monthly_report


def test_the_last_month_of_the_calendar_is_reported() -> None:
    moves = [QuotaMove(date(9999, 12, 1), "grant", 500)]
    report = monthly_report(
        (9999, 12), date(9999, 12, 31), moves, [], business_calendar(None, range(9999, 10000))
    )
    assert report.figures.closing_quota == 500
    assert report.burndown[-1][0] == date(9999, 12, 31)
    assert len(report.burndown) == 31
