"""Business days (docs/RULES.md section 4): weekdays that are not US federal legal holidays.

By default only the statutory holiday is excluded, so a Friday or Monday on which a weekend
holiday is observed still counts (the earlier, safer deadline); `exclude_observed` switches
to excluding the observed day too. Holidays come from the `holidays` package.
"""

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from lossmit_tui.domain.values import parse_date


def servicer_day(moment: datetime, zone: str) -> date:
    """The servicer's calendar day of a moment (docs/RULES.md section 4, *policy*): a document
    or an application is received on the day it is in the servicer's time zone, never on
    the UTC date of its timestamp. A naive moment is taken as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).date()


@lru_cache(maxsize=4)
def _federal(exclude_observed: bool) -> holidays.HolidayBase:
    return holidays.US(observed=exclude_observed)


class BusinessCalendar:
    """Answers "is this a business day" and "N business days after"."""

    def __init__(self, exclude_observed: bool = False) -> None:
        self._holidays = _federal(exclude_observed)
        # (day, count) -> the answer: every clock of a pass asks the same few questions
        # (5, 7, 10, 15, 30 BD after a handful of receipt days); a pure answer, kept.
        self._after: dict[tuple[date, int], date] = {}

    def holiday(self, day: date) -> str | None:
        """The holiday's name, or None."""
        return self._holidays.get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def add_business_days(self, day: date, count: int) -> date:
        """The `count`-th business day after `day`; with 0, `day` itself if it is a business
        day, else the next one."""
        if count < 0:
            raise ValueError("count must be zero or more")
        key = (day, count)
        found = self._after.get(key)
        if found is None:
            if len(self._after) > 100_000:  # a long-lived app: keep the memo bounded
                self._after.clear()
            found = self._after[key] = self._count_from(day, count)
        return found

    def _count_from(self, day: date, count: int) -> date:
        current = day
        if count == 0:
            while not self.is_business_day(current):
                current += timedelta(days=1)
            return current
        while count:
            current += timedelta(days=1)
            if self.is_business_day(current):
                count -= 1
        return current


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_OFFSET = re.compile(r"^\+(\d{1,3})\s*(d|bd)$")


def resolve_due(text: str, today: date, calendar: BusinessCalendar) -> date:
    """A due date typed by a person: `YYYY-MM-DD`, `MM/DD/YYYY`, `today`, `tomorrow`, `+3d`
    (calendar days), `+2bd` (business days) or a weekday name (`mon`, `next monday`: the
    next such day after today). ValueError says what is accepted."""
    raw = " ".join(text.strip().lower().split())
    if raw in ("today", "t"):
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    match = _OFFSET.match(raw)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        if unit == "bd":
            return calendar.add_business_days(today, count)
        return today + timedelta(days=count)
    name = raw.removeprefix("next ")
    for index, weekday in enumerate(_WEEKDAYS):
        if len(name) >= 3 and weekday.startswith(name):
            ahead = (index - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    try:
        return parse_date(raw)
    except ValueError:
        raise ValueError(
            f"{text.strip()!r} is not a due date: use YYYY-MM-DD, MM/DD/YYYY, today, "
            "tomorrow, +3d, +2bd (business days) or a weekday such as mon"
        ) from None
