"""Business hours: the SQL business clock against hand-counted intervals, per team calendar."""

from datetime import UTC, datetime, time

import pytest
from django.db import connection

from analytics.queries.calendar import BusinessCalendar


def business_seconds(start, end, calendar):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT analytics_business_seconds(%s, %s, %s, %s::int[], %s, %s)",
            [start, end, calendar.time_zone, calendar.cumulative_days, calendar.opens, calendar.closes],
        )
        return cursor.fetchone()[0]


WEEKDAYS = BusinessCalendar(time_zone="UTC")


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
    calendar = BusinessCalendar(
        time_zone="Europe/Berlin", weekdays=(1, 2, 3, 4, 5, 6), opens=time(8), closes=time(12)
    )
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
