"""Business days (R12): review takes 1-3 business days; pending longer than 3 is overdue.

Pure: a `BusinessCalendar` is a set of weekend weekdays, public holidays and working
weekend days (China moves working days onto weekends around its holidays). The adapter in
`voucher_batch.calendars` fills one from the `holidays` package; the default is Mon-Fri.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

REVIEW_SLA_DAYS = 3


@dataclass(frozen=True)
class BusinessCalendar:
    name: str = "Mon-Fri"
    weekend: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday, Sunday
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # weekend days worked

    def is_business_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays

    def days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_business_day(day)
        return count

    def overdue(self, requested_on: date, as_of: date) -> bool:
        return self.days_between(requested_on, as_of) > REVIEW_SLA_DAYS
