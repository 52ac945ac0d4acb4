"""The one date formatter (in each language: cers/templates/<language>/dates.yml) and the annual due date arithmetic shared by every answer."""

from __future__ import annotations

import datetime as dt

from cers.conversation.names import ENGLISH as DEFAULT_LANGUAGE


def _words(key: str, language: str) -> str:
    from cers.templates import templates

    return templates("dates", language)[key]


def month_name(month: int, language: str = DEFAULT_LANGUAGE) -> str:
    return [name.strip() for name in _words("months", language).split(",")][month - 1]


def weekday_name(index: int, language: str = DEFAULT_LANGUAGE) -> str:
    """Monday is 0."""
    return [name.strip() for name in _words("weekdays", language).split(",")][index]


def format_clock(time: dt.time, language: str = DEFAULT_LANGUAGE) -> str:
    """A time of day as people read it: "3:05 PM", "3:05 p. m."."""
    half = _words("am" if time.hour < 12 else "pm", language)
    return _words("clock", language).format(hour=time.hour % 12 or 12, minute=f"{time.minute:02d}", half=half)


def format_date(day: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    """A date as people read it: "March 1, 2027", "1 de marzo de 2027"."""
    return _words("full", language).format(month=month_name(day.month, language), day=day.day, year=day.year)


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


def plural_days(count: int, language: str = DEFAULT_LANGUAGE) -> str:
    return _words("one_day" if abs(count) == 1 else "days", language).format(count=count)


def format_month_day(month: int, day: int, language: str = DEFAULT_LANGUAGE) -> str:
    """A yearly date as people read it: "March 1", "1 de marzo"."""
    return _words("month_day", language).format(month=month_name(month, language), day=day)


WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def describe_hours(hours, language: str = DEFAULT_LANGUAGE) -> str:
    """office.yml's weekly hours as people read them: "Monday to Friday, 8:00 AM to 5:00 PM"
    (consecutive days with the same hours together)."""
    groups: list = []
    for index, key in enumerate(WEEKDAY_KEYS):
        periods = hours.weekly.get(key, ())
        if periods and groups and groups[-1][1] == periods and groups[-1][0][-1] == index - 1:
            groups[-1][0].append(index)
        elif periods:
            groups.append(([index], periods))
    parts = []
    for days, periods in groups:
        first = weekday_name(days[0], language)
        names = (
            first
            if len(days) == 1
            else _words("day_range", language).format(first=first, last=weekday_name(days[-1], language))
        )
        times = f" {_words('and', language)} ".join(
            _words("time_range", language).format(start=format_clock(a, language), end=format_clock(b, language))
            for a, b in periods
        )
        parts.append(f"{names[:1].upper()}{names[1:]}, {times}")
    return "; ".join(parts)
