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
# The same office with Wed 2026-10-07 and Fri 2026-10-09 as holidays.
HOLIDAYS = weekly("UTC", range(5), time(9), time(17), holidays=[date(2026, 10, 7), date(2026, 10, 9)])


def at(day, hour):
    return datetime(2026, 10, day, hour, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected_hours"),
    [
        # Mon 10:00 -> Mon 11:00: inside hours.
        (WEEKDAYS, at(5, 10), at(5, 11), 1),
        # Fri 16:00 -> Mon 10:00: 1 h Friday + 1 h Monday, the weekend is skipped.
        (WEEKDAYS, at(9, 16), at(12, 10), 2),
        # Tue 20:00 -> Wed 08:00: all night, outside hours.
        (WEEKDAYS, at(6, 20), at(7, 8), 0),
        # Mon 09:00 -> Mon 09:00 a week later: five full days.
        (WEEKDAYS, at(5, 9), at(12, 9), 40),
        # End before start counts nothing.
        (WEEKDAYS, at(5, 12), at(5, 10), 0),
        # Tue 16:00 -> Thu 10:00: 1 h Tuesday + 1 h Thursday; the Wednesday holiday counts nothing.
        (HOLIDAYS, at(6, 16), at(8, 10), 2),
        # Both ends inside the holiday.
        (HOLIDAYS, at(7, 10), at(7, 15), 0),
        # From inside one holiday to inside the next: Thursday only.
        (HOLIDAYS, at(7, 12), at(9, 12), 8),
        # A week: five days minus two holidays.
        (HOLIDAYS, at(5, 9), at(12, 9), 24),
        # Before the holidays: as without them.
        (HOLIDAYS, at(5, 10), at(6, 10), 8),
    ],
)
def test_the_sql_clock_and_the_sla_clock_count_the_same_business_hours(calendar, start, end, expected_hours):
    assert business_seconds(start, end, calendar) == expected_hours * 3600
    assert business_minutes_between(start, end, calendar) * 60 == expected_hours * 3600


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


@pytest.mark.django_db
def test_team_calendars_carry_their_holidays():
    row = CalendarRow.objects.create(name="Office", slug="office", timezone="UTC")
    BusinessInterval.objects.create(calendar=row, weekday=2, opens=time(9), closes=time(17))
    Holiday.objects.create(calendar=row, date=date(2026, 10, 7), name="Founders' day")
    frontline = team("frontline")
    frontline.calendar = row
    frontline.save(update_fields=["calendar"])
    assert team_calendars()[frontline.pk].holidays == frozenset({date(2026, 10, 7)})
