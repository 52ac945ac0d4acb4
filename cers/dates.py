"""The one date formatter and the annual due date arithmetic shared by every answer."""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_clock(time: dt.time) -> str:
    """A time of day as people read it: "3:05 PM"."""
    hour = time.hour % 12 or 12
    return f"{hour}:{time.minute:02d} {'AM' if time.hour < 12 else 'PM'}"


def format_date(day: dt.date) -> str:
    """A date as people read it: "March 1, 2027"."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def check_annual_due(month: int, day: int) -> None:
    """ValueError unless month/day is a date in every year (so not February 29)."""
    try:
        dt.date(2023, month, day)  # 2023 is not a leap year
    except (TypeError, ValueError) as error:
        raise ValueError(f"annual due date {month}-{day} is not a date in every year") from error


def next_annual_due(today: dt.date, month: int = 3, day: int = 1) -> dt.date:
    """N: the first annual due date on or after today."""
    this_year = dt.date(today.year, month, day)
    return this_year if this_year >= today else dt.date(today.year + 1, month, day)


def days_left(today: dt.date, due: dt.date) -> int:
    return (due - today).days


def plural_days(count: int) -> str:
    return f"{count} day" if abs(count) == 1 else f"{count} days"


def format_month_day(month: int, day: int) -> str:
    """A yearly date as people read it: "March 1"."""
    return f"{MONTHS[month - 1]} {day}"
