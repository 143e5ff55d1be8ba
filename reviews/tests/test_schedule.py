"""When reviews take place: pure date arithmetic, daylight-saving changes included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from reviews import schedule
from reviews.schedule import Schedule


def plan(**kwargs) -> Schedule:
    defaults = {
        "frequency": schedule.WEEKLY,
        "time_of_day": time(10, 0),
        "starts_on": date(2026, 1, 1),
        "timezone": "Europe/Berlin",
        "weekday": 0,
    }
    return Schedule(**{**defaults, **kwargs})


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_weekly_reviews_fall_on_the_weekday_at_the_wall_clock_time():
    found = schedule.occurrences(plan(), after=utc(2026, 1, 7), limit=3)
    # Mondays at 10:00 in Berlin, winter time (UTC+1).
    assert found == [utc(2026, 1, 12, 9), utc(2026, 1, 19, 9), utc(2026, 1, 26, 9)]


def test_daylight_saving_keeps_the_wall_clock_time_and_moves_the_utc_instant():
    # Europe/Berlin moves to summer time on Sunday 29 March 2026.
    found = schedule.occurrences(plan(), after=utc(2026, 3, 20), limit=2)
    assert found == [utc(2026, 3, 23, 9), utc(2026, 3, 30, 8)]
    local = [t.astimezone(plan().zone).time() for t in found]
    assert local == [time(10, 0), time(10, 0)]
    # And back on Sunday 25 October 2026.
    found = schedule.occurrences(plan(), after=utc(2026, 10, 20), limit=2)
    assert found == [utc(2026, 10, 26, 9), utc(2026, 11, 2, 9)]


def test_a_wall_time_that_does_not_exist_on_the_switch_day_is_taken_before_the_change():
    sunday = plan(weekday=6, time_of_day=time(2, 30))
    found = schedule.occurrences(sunday, after=utc(2026, 3, 28), limit=1)
    # 02:30 does not exist on 29 March in Berlin: it is read with the winter offset (01:30 UTC).
    assert found == [utc(2026, 3, 29, 1, 30)]


def test_every_other_week_counts_from_the_week_of_the_first_date():
    biweekly = plan(frequency=schedule.BIWEEKLY, weekday=2, starts_on=date(2026, 1, 5))
    found = schedule.occurrences(biweekly, after=utc(2026, 1, 1), limit=3)
    assert [t.date() for t in found] == [date(2026, 1, 7), date(2026, 1, 21), date(2026, 2, 4)]


def test_monthly_by_day_falls_on_the_last_day_of_shorter_months():
    monthly = plan(frequency=schedule.MONTHLY, weekday=None, day_of_month=31)
    found = schedule.occurrences(monthly, after=utc(2026, 1, 1), limit=4)
    assert [t.astimezone(monthly.zone).date() for t in found] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        (1, [date(2026, 1, 6), date(2026, 2, 3), date(2026, 3, 3)]),
        (2, [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10)]),
        (schedule.LAST, [date(2026, 1, 27), date(2026, 2, 24), date(2026, 3, 31)]),
    ],
)
def test_monthly_by_nth_weekday(week, expected):
    monthly = plan(frequency=schedule.MONTHLY, weekday=1, week_of_month=week)
    found = schedule.occurrences(monthly, after=utc(2026, 1, 1), limit=3)
    assert [t.astimezone(monthly.zone).date() for t in found] == expected


def test_quarterly_takes_the_chosen_month_of_each_quarter():
    quarterly = plan(
        frequency=schedule.QUARTERLY, weekday=None, day_of_month=15, month_of_quarter=2
    )
    found = schedule.occurrences(quarterly, after=utc(2026, 1, 1), limit=4)
    assert [t.astimezone(quarterly.zone).date() for t in found] == [
        date(2026, 2, 15),
        date(2026, 5, 15),
        date(2026, 8, 15),
        date(2026, 11, 15),
    ]


def test_nothing_before_the_first_date_or_after_the_last():
    bounded = plan(starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 28))
    found = schedule.occurrences(bounded, after=utc(2026, 1, 1), limit=10)
    assert [t.date() for t in found] == [
        date(2026, 2, 2),
        date(2026, 2, 9),
        date(2026, 2, 16),
        date(2026, 2, 23),
    ]


def test_previous_occurrences_are_the_latest_ones_before_a_moment_oldest_first():
    found = schedule.previous_occurrences(plan(), before=utc(2026, 1, 19, 9), count=2)
    assert found == [utc(2026, 1, 5, 9), utc(2026, 1, 12, 9)]


def test_is_occurrence():
    assert schedule.is_occurrence(plan(), utc(2026, 1, 12, 9))
    assert not schedule.is_occurrence(plan(), utc(2026, 1, 12, 10))


# --- bad schedules: every error names its field --------------------------------------------

NOW = utc(2026, 1, 1)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"weekday": None}, "weekday", "Choose the day of the week"),
        ({"day_of_month": 3}, "day_of_month", "set by its weekday"),
        ({"weekday": 9}, "weekday", "Choose a day of the week"),
        (
            {"frequency": schedule.MONTHLY, "weekday": None},
            "day_of_month",
            "Choose a day of the month, or a weekday",
        ),
        (
            {"frequency": schedule.MONTHLY, "day_of_month": 4},
            "day_of_month",
            "not both",
        ),
        ({"frequency": schedule.MONTHLY}, "week_of_month", "first, second, third, fourth or last"),
        (
            {"frequency": schedule.MONTHLY, "weekday": None, "day_of_month": 32},
            "day_of_month",
            "between 1 and 31",
        ),
        ({"frequency": "daily"}, "frequency", "Choose weekly"),
        ({"ends_on": date(2025, 12, 1)}, "ends_on", "cannot be before the first"),
        ({"duration_minutes": 0}, "duration_minutes", "between 5 minutes and 8 hours"),
    ],
)
def test_bad_schedules_name_the_field(changes, field, words):
    errors = schedule.schedule_errors(plan(**changes), now=NOW)
    assert field in errors
    assert words in errors[field]


def test_a_schedule_that_can_never_fire_is_refused_on_its_last_date():
    # Mondays only, between a Tuesday and the Saturday after it: no review would ever happen.
    never = plan(starts_on=date(2026, 1, 6), ends_on=date(2026, 1, 10))
    errors = schedule.schedule_errors(never, now=NOW)
    assert list(errors) == ["ends_on"]
    assert "never fires" in errors["ends_on"]


def test_a_schedule_whose_last_date_is_past_never_fires_again():
    over = plan(starts_on=date(2025, 1, 6), ends_on=date(2025, 3, 1))
    errors = schedule.schedule_errors(over, now=NOW)
    assert "never fires again" in errors["ends_on"]


def test_a_good_schedule_has_no_errors():
    assert schedule.schedule_errors(plan(), now=NOW) == {}


@pytest.mark.parametrize(
    ("frequency", "hours", "ok"),
    [
        (schedule.WEEKLY, 24, True),
        (schedule.WEEKLY, 167, True),
        (schedule.WEEKLY, 168, False),
        (schedule.BIWEEKLY, 200, True),
        (schedule.MONTHLY, 24 * 28, False),
        (schedule.QUARTERLY, 24 * 30, True),
    ],
)
def test_a_lead_time_must_fit_in_one_period(frequency, hours, ok):
    error = schedule.lead_time_error(frequency, hours)
    assert (error is None) is ok
    if not ok:
        assert "before the previous review" in error


def test_describe():
    assert schedule.describe(plan()) == "Every Monday at 10:00"
    assert (
        schedule.describe(plan(frequency=schedule.MONTHLY, weekday=1, week_of_month=1))
        == "First Tuesday of each month at 10:00"
    )
    assert (
        schedule.describe(
            plan(frequency=schedule.QUARTERLY, weekday=None, day_of_month=15, month_of_quarter=2)
        )
        == "Day 15 of the second month of each quarter at 10:00"
    )
    assert timedelta(days=7) == schedule.SHORTEST_PERIOD[schedule.WEEKLY]
