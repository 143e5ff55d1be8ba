"""When a cadence's reviews take place: pure date arithmetic, no database.

A schedule is read in the organization's time zone: "Mondays at 10:00" stays 10:00 on the wall
clock across daylight-saving changes, so its UTC instant moves by an hour twice a year. A wall
time that does not exist on the day the clocks go forward (02:30 in Europe/Berlin) is taken as
the same time before the change (03:30 local); one that happens twice when they go back is
taken the first time.

Days of the month past the month's end fall on its last day ("the 31st" is 30 April).
"""

from __future__ import annotations

import calendar
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

WEEKLY, BIWEEKLY, MONTHLY, QUARTERLY = "weekly", "biweekly", "monthly", "quarterly"
FREQUENCIES = (WEEKLY, BIWEEKLY, MONTHLY, QUARTERLY)
LAST = -1  # week_of_month: the last such weekday of the month
WEEKS_OF_MONTH = (1, 2, 3, 4, LAST)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", LAST: "last"}

# The shortest time between two reviews of each frequency: a reminder lead time must fit in it.
SHORTEST_PERIOD = {
    WEEKLY: timedelta(days=7),
    BIWEEKLY: timedelta(days=14),
    MONTHLY: timedelta(days=28),
    QUARTERLY: timedelta(days=84),
}
# How far ahead to look for the next review before deciding that a schedule never fires.
SEARCH_LIMIT = timedelta(days=800)


@dataclass(frozen=True)
class Schedule:
    frequency: str
    time_of_day: time
    starts_on: date
    timezone: str = "UTC"
    weekday: int | None = None  # 0 = Monday
    week_of_month: int | None = None  # with weekday, for monthly and quarterly: 1-4 or LAST
    day_of_month: int | None = None  # 1-31, for monthly and quarterly
    month_of_quarter: int = 1  # 1-3: which month of each calendar quarter
    ends_on: date | None = None
    duration_minutes: int = 60

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


# --- checking a schedule -------------------------------------------------------------------


def schedule_errors(schedule: Schedule, *, now: datetime | None = None) -> dict[str, str]:
    """What is wrong with a schedule, by field; empty when it fires at least once from now on."""
    errors: dict[str, str] = {}
    s = schedule
    if s.frequency not in FREQUENCIES:
        return {"frequency": "Choose weekly, every two weeks, monthly or quarterly."}
    if s.weekday is not None and not 0 <= s.weekday <= 6:
        errors["weekday"] = "Choose a day of the week."
    if s.day_of_month is not None and not 1 <= s.day_of_month <= 31:
        errors["day_of_month"] = "Choose a day between 1 and 31."
    if s.week_of_month is not None and s.week_of_month not in WEEKS_OF_MONTH:
        errors["week_of_month"] = "Choose first, second, third, fourth or last."
    if not 1 <= s.month_of_quarter <= 3:
        errors["month_of_quarter"] = "Choose the first, second or third month of the quarter."
    if not 5 <= s.duration_minutes <= 8 * 60:
        errors["duration_minutes"] = "A review lasts between 5 minutes and 8 hours."
    if s.frequency in (WEEKLY, BIWEEKLY):
        if s.weekday is None:
            errors["weekday"] = "Choose the day of the week the review takes place."
        if s.day_of_month is not None:
            errors["day_of_month"] = (
                "A weekly review is set by its weekday: leave the day of the month empty."
            )
        if s.week_of_month is not None:
            errors["week_of_month"] = (
                "A weekly review takes place every week: leave “which week” empty."
            )
    else:
        by_day = s.day_of_month is not None
        by_weekday = s.weekday is not None or s.week_of_month is not None
        if by_day and by_weekday:
            errors["day_of_month"] = (
                "Choose either a day of the month or a weekday (such as the first Monday), not both."
            )
        elif not by_day and not by_weekday:
            errors["day_of_month"] = (
                "Choose a day of the month, or a weekday and which one (such as the first Monday)."
            )
        elif by_weekday and s.weekday is None:
            errors["weekday"] = "Choose the day of the week."
        elif by_weekday and s.week_of_month is None:
            errors["week_of_month"] = (
                "Say which one in the month: first, second, third, fourth or last."
            )
    if s.ends_on is not None and s.ends_on < s.starts_on:
        errors["ends_on"] = "The last date cannot be before the first."
    if errors:
        return errors
    now = now or datetime.now(UTC)
    if next_occurrence(s, after=now) is None:
        if s.ends_on is not None:
            first = next_occurrence(s, after=_start_of(s.starts_on, s.zone) - timedelta(seconds=1))
            if first is None:
                errors["ends_on"] = (
                    f"This schedule never fires: no {describe(s).lower()} falls between "
                    f"{s.starts_on:%d %b %Y} and {s.ends_on:%d %b %Y}."
                )
            else:
                errors["ends_on"] = (
                    f"This schedule never fires again: its last review was on {first:%d %b %Y} "
                    "or earlier. Move the last date into the future."
                )
        else:
            errors["starts_on"] = "This schedule never fires: check its days."
    return errors


def lead_time_error(frequency: str, lead_hours: int) -> str | None:
    """A reminder must come after the previous review, so its lead time fits in one period."""
    if lead_hours < 0:
        return "The lead time cannot be negative."
    period = SHORTEST_PERIOD.get(frequency)
    if period is not None and timedelta(hours=lead_hours) >= period:
        return (
            f"A reminder {lead_hours} hours ahead would come before the previous review: "
            f"keep it under {int(period.total_seconds() // 3600)} hours "
            f"({period.days} days, the shortest time between two reviews)."
        )
    return None


# --- occurrences ---------------------------------------------------------------------------


def _start_of(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def at_wall_time(day: date, wall: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a day in a zone (see the module's note on DST)."""
    local = datetime.combine(day, wall.replace(tzinfo=None), tzinfo=zone)
    return local.astimezone(UTC)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == LAST:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _months(s: Schedule, start: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while True:
        if s.frequency == MONTHLY or (month - 1) % 3 == s.month_of_quarter - 1:
            yield year, month
        month += 1
        if month > 12:
            year, month = year + 1, 1


def occurrence_dates(s: Schedule, start: date) -> Iterator[date]:
    """The review days on or after ``start`` (and on or after the schedule's first day), in order."""
    start = max(start, s.starts_on)
    if s.frequency in (WEEKLY, BIWEEKLY):
        assert s.weekday is not None  # noqa: S101 - checked by schedule_errors
        day = start + timedelta(days=(s.weekday - start.weekday()) % 7)
        step = 7 if s.frequency == WEEKLY else 14
        if s.frequency == BIWEEKLY:
            # Every other week, counted from the week of the first day.
            anchor = s.starts_on - timedelta(days=s.starts_on.weekday())
            weeks = ((day - timedelta(days=day.weekday())) - anchor).days // 7
            if weeks % 2:
                day += timedelta(days=7)
        while s.ends_on is None or day <= s.ends_on:
            yield day
            day += timedelta(days=step)
        return
    for year, month in _months(s, date(start.year, start.month, 1)):
        if s.day_of_month is not None:
            day = _clamped(year, month, s.day_of_month)
        else:
            assert s.weekday is not None  # noqa: S101 - checked by schedule_errors
            assert s.week_of_month is not None  # noqa: S101
            day = _nth_weekday(year, month, s.weekday, s.week_of_month)
        if s.ends_on is not None and day > s.ends_on:
            return
        if day >= start:
            yield day


def occurrences(
    s: Schedule, *, after: datetime, until: datetime | None = None, limit: int = 1000
) -> list[datetime]:
    """The review start instants (UTC) strictly after ``after``, up to ``until`` or ``limit``."""
    zone = s.zone
    found: list[datetime] = []
    horizon = until or after + SEARCH_LIMIT
    first_day = after.astimezone(zone).date() - timedelta(days=1)
    for day in occurrence_dates(s, first_day):
        instant = at_wall_time(day, s.time_of_day, zone)
        if instant > horizon:
            break
        if instant > after:
            found.append(instant)
            if len(found) >= limit:
                break
    return found


def next_occurrence(s: Schedule, *, after: datetime) -> datetime | None:
    found = occurrences(s, after=after, limit=1)
    return found[0] if found else None


def previous_occurrences(s: Schedule, *, before: datetime, count: int) -> list[datetime]:
    """The last ``count`` review instants strictly before ``before``, oldest first."""
    period = SHORTEST_PERIOD[s.frequency] * 1.25
    after = before - period * (count + 1)
    found = [t for t in occurrences(s, after=after, until=before) if t < before]
    return found[-count:]


def is_occurrence(s: Schedule, instant: datetime) -> bool:
    return next_occurrence(s, after=instant - timedelta(seconds=1)) == instant


# --- words ---------------------------------------------------------------------------------


def describe(s: Schedule) -> str:
    """“Every Monday at 10:00”, “First Tuesday of each month at 14:00”, …"""
    at = f"at {s.time_of_day:%H:%M}"
    if s.frequency == WEEKLY and s.weekday is not None:
        return f"Every {WEEKDAY_NAMES[s.weekday]} {at}"
    if s.frequency == BIWEEKLY and s.weekday is not None:
        return f"Every other {WEEKDAY_NAMES[s.weekday]} {at}"
    if s.frequency == MONTHLY:
        each = "each month"
    else:
        each = f"the {ORDINALS[s.month_of_quarter]} month of each quarter"
    if s.day_of_month is not None:
        return f"Day {s.day_of_month} of {each} {at}"
    if s.weekday is not None and s.week_of_month is not None:
        return f"{ORDINALS[s.week_of_month].capitalize()} {WEEKDAY_NAMES[s.weekday]} of {each} {at}"
    return "No schedule"
