"""Business hours: the SQL business clock against hand-counted intervals, per team calendar."""

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection

from analytics.queries.calendar import sql_arrays, team_calendars
from analytics.tests.factories import team
from routing.models import BusinessCalendar as CalendarRow
from routing.models import BusinessInterval, Holiday
from routing.sla import Calendar, business_minutes_between


def business_seconds(start, end, calendar):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT analytics_business_seconds(%s, %s, %s, %s::int[], %s::int[], %s::int[], %s::int[], %s::int[],"
            " %s::double precision[], %s::double precision[])",
            [start, end, calendar.tz, *sql_arrays(calendar)],
        )
        return cursor.fetchone()[0]


def weekly(tz, weekdays, opens, closes, holidays=()):
    return Calendar.build(tz=tz, intervals=[(day, opens, closes) for day in weekdays], holidays=holidays)


WEEKDAYS = weekly("UTC", range(5), time(9), time(17))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "expected_hours"),
    [
        # Mon 10:00 -> Mon 11:00: inside hours.
        (datetime(2026, 10, 5, 10, tzinfo=UTC), datetime(2026, 10, 5, 11, tzinfo=UTC), 1),
        # Fri 16:00 -> Mon 10:00: 1 h Friday + 1 h Monday, the weekend is skipped.
        (datetime(2026, 10, 9, 16, tzinfo=UTC), datetime(2026, 10, 12, 10, tzinfo=UTC), 2),
        # Tue 20:00 -> Wed 08:00: all night, outside hours.
        (datetime(2026, 10, 6, 20, tzinfo=UTC), datetime(2026, 10, 7, 8, tzinfo=UTC), 0),
        # Mon 09:00 -> Mon 09:00 a week later: five full days.
        (datetime(2026, 10, 5, 9, tzinfo=UTC), datetime(2026, 10, 12, 9, tzinfo=UTC), 40),
        # End before start counts nothing.
        (datetime(2026, 10, 5, 12, tzinfo=UTC), datetime(2026, 10, 5, 10, tzinfo=UTC), 0),
    ],
)
def test_business_seconds_on_the_default_calendar(start, end, expected_hours):
    assert business_seconds(start, end, WEEKDAYS) == expected_hours * 3600


@pytest.mark.django_db
def test_a_team_calendar_with_its_own_days_hours_and_time_zone():
    """A Berlin team working Mon–Sat 08:00–12:00 local (UTC+2 in early October)."""
    calendar = weekly("Europe/Berlin", range(6), time(8), time(12))
    # Sat 09:00 UTC (11:00 local) -> Mon 07:00 UTC (09:00 local): 1 h Saturday + 1 h Monday.
    assert (
        business_seconds(
            datetime(2026, 10, 10, 9, tzinfo=UTC), datetime(2026, 10, 12, 7, tzinfo=UTC), calendar
        )
        == 7200
    )


@pytest.mark.django_db
def test_no_end_means_no_duration():
    assert business_seconds(datetime(2026, 10, 5, 9, tzinfo=UTC), None, WEEKDAYS) is None


@pytest.mark.django_db
def test_a_lunch_break_is_not_business_time():
    """Mon 09:00–12:00 and 13:00–17:00: 11:00 -> 14:00 is 2 business hours."""
    calendar = Calendar.build(tz="UTC", intervals=[(0, time(9), time(12)), (0, time(13), time(17))])
    assert (
        business_seconds(
            datetime(2026, 10, 5, 11, tzinfo=UTC), datetime(2026, 10, 5, 14, tzinfo=UTC), calendar
        )
        == 7200
    )


@pytest.mark.django_db
def test_team_calendars_come_from_routing():
    row = CalendarRow.objects.create(name="Office", slug="office", timezone="Europe/Berlin")
    BusinessInterval.objects.create(calendar=row, weekday=0, opens=time(9), closes=time(17))
    frontline, open_all_day = team("frontline"), team("night")
    frontline.calendar = row
    frontline.save(update_fields=["calendar"])
    calendars = team_calendars()
    assert calendars[frontline.pk] == Calendar.build(tz="Europe/Berlin", intervals=[(0, time(9), time(17))])
    assert open_all_day.pk not in calendars


# Wed 2026-10-07 and Fri 2026-10-09 are holidays in the office below.
HOLIDAYS = weekly("UTC", range(5), time(9), time(17), holidays=[date(2026, 10, 7), date(2026, 10, 9)])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "expected_hours"),
    [
        # Tue 16:00 -> Thu 10:00: 1 h Tuesday + 1 h Thursday; the Wednesday holiday counts nothing.
        (datetime(2026, 10, 6, 16, tzinfo=UTC), datetime(2026, 10, 8, 10, tzinfo=UTC), 2),
        # Both ends inside the holiday.
        (datetime(2026, 10, 7, 10, tzinfo=UTC), datetime(2026, 10, 7, 15, tzinfo=UTC), 0),
        # From inside one holiday to inside the next: Thursday only.
        (datetime(2026, 10, 7, 12, tzinfo=UTC), datetime(2026, 10, 9, 12, tzinfo=UTC), 8),
        # Mon 09:00 -> Mon 09:00 a week later: five days minus two holidays.
        (datetime(2026, 10, 5, 9, tzinfo=UTC), datetime(2026, 10, 12, 9, tzinfo=UTC), 24),
        # Before the holidays: as without them.
        (datetime(2026, 10, 5, 10, tzinfo=UTC), datetime(2026, 10, 6, 10, tzinfo=UTC), 8),
    ],
)
def test_holidays_are_not_business_time_and_the_sla_clock_agrees(start, end, expected_hours):
    assert business_seconds(start, end, HOLIDAYS) == expected_hours * 3600
    assert business_minutes_between(start, end, HOLIDAYS) * 60 == expected_hours * 3600


@pytest.mark.django_db
def test_team_calendars_carry_their_holidays():
    row = CalendarRow.objects.create(name="Office", slug="office", timezone="UTC")
    BusinessInterval.objects.create(calendar=row, weekday=2, opens=time(9), closes=time(17))
    Holiday.objects.create(calendar=row, date=date(2026, 10, 7), name="Founders' day")
    frontline = team("frontline")
    frontline.calendar = row
    frontline.save(update_fields=["calendar"])
    assert team_calendars()[frontline.pk].holidays == frozenset({date(2026, 10, 7)})
