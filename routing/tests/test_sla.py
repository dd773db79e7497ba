"""Business-hours maths (no database): weekends, holidays, lunch breaks, time zones."""

from datetime import UTC, date, datetime, time

from routing.sla import ALWAYS_OPEN, Calendar, add_business_minutes, business_minutes_between, warning_point

WEEKDAYS_9_TO_17_WITH_LUNCH = [
    (day, opens, closes) for day in range(5) for opens, closes in ((time(9), time(12)), (time(13), time(17)))
]


def calendar(**kwargs) -> Calendar:
    return Calendar.build(tz="UTC", intervals=WEEKDAYS_9_TO_17_WITH_LUNCH, **kwargs)


def test_a_target_started_friday_afternoon_runs_over_the_weekend_to_monday():
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # a Friday
    due = add_business_minutes(friday_4pm, 120, calendar())
    assert due == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 1 h Friday + 1 h Monday


def test_a_holiday_monday_is_skipped_too():
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    due = add_business_minutes(friday_4pm, 120, calendar(holidays=[date(2026, 11, 23)]))
    assert due == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_the_lunch_break_does_not_count():
    morning = datetime(2026, 11, 18, 11, 30, tzinfo=UTC)
    assert add_business_minutes(morning, 60, calendar()) == datetime(2026, 11, 18, 13, 30, tzinfo=UTC)


def test_a_clock_started_at_night_starts_counting_at_opening():
    night = datetime(2026, 11, 18, 22, 0, tzinfo=UTC)
    assert add_business_minutes(night, 30, calendar()) == datetime(2026, 11, 19, 9, 30, tzinfo=UTC)


def test_elapsed_business_minutes_across_a_weekend_and_a_holiday():
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    tuesday_10am = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert business_minutes_between(friday_4pm, tuesday_10am, calendar()) == 60 + 7 * 60 + 60
    with_holiday = calendar(holidays=[date(2026, 11, 23)])
    assert business_minutes_between(friday_4pm, tuesday_10am, with_holiday) == 60 + 60


def test_add_and_between_are_inverse():
    start = datetime(2026, 11, 19, 15, 17, tzinfo=UTC)
    cal = calendar(holidays=[date(2026, 11, 23)])
    for minutes in (1, 45, 200, 481, 2000):
        assert business_minutes_between(start, add_business_minutes(start, minutes, cal), cal) == minutes


def test_local_business_hours_follow_the_calendar_time_zone():
    berlin = Calendar.build(tz="Europe/Berlin", intervals=WEEKDAYS_9_TO_17_WITH_LUNCH)
    # 07:30 UTC on a winter Wednesday is 08:30 in Berlin: opening is 08:00 UTC.
    due = add_business_minutes(datetime(2026, 11, 18, 7, 30, tzinfo=UTC), 15, berlin)
    assert due == datetime(2026, 11, 18, 8, 15, tzinfo=UTC)


def test_always_open_is_wall_clock_time():
    start = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)  # a Saturday night
    assert add_business_minutes(start, 90, ALWAYS_OPEN) == datetime(2026, 11, 22, 0, 30, tzinfo=UTC)


def test_the_warning_point_is_a_share_of_business_time():
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    # 75% of 120 business minutes = 90: 60 on Friday, 30 on Monday.
    assert warning_point(friday_4pm, 120, 0.75, calendar()) == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
