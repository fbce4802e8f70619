"""Review deadlines in working days (工作日): weekends and configured holidays do not count,
configured make-up weekend days (调休) do. Days are Beijing dates (UTC+8, no daylight saving)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, timezone

__all__ = ["BEIJING", "deadline", "is_working_day", "today"]

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def today(now: datetime) -> date:
    return now.astimezone(BEIJING).date()


def is_working_day(day: date, holidays: Collection[date], workdays: Collection[date]) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def deadline(start: datetime, days: int, holidays: Collection[date] = (),
             workdays: Collection[date] = ()) -> datetime:
    """The end (24:00 Beijing time) of the `days`-th working day after the day of `start`."""
    day, counted = today(start), 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_working_day(day, holidays, workdays)
    return datetime.combine(day + timedelta(days=1), time(0), BEIJING)
