"""Working-time deadlines: 8-hour days (09–12, 13–18), weekends, official holidays and 调休 working weekends."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.events.deadlines import TZ, WorkCalendar, deadline_for


def cal_2026() -> WorkCalendar:
    """The 2026 calendar as the data migration seeds it (built from the project's own data file)."""
    import json

    from linli.core.calendar import HOLIDAYS_FILE

    data = json.loads(HOLIDAYS_FILE.read_text(encoding="utf-8"))
    overrides = {}
    for start, end, _ in data["years"]["2026"]["off"]:
        day = dt.date.fromisoformat(start)
        while day <= dt.date.fromisoformat(end):
            overrides[day] = False
            day += dt.timedelta(days=1)
    for day, _ in data["years"]["2026"]["work"]:
        overrides[dt.date.fromisoformat(day)] = True
    return WorkCalendar(overrides=overrides, known_years=frozenset({2026}))


def at(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


CAL = cal_2026()


def test_hours_within_one_day_skip_lunch():
    due, est = CAL.add(at(2026, 11, 17, 10), 4 * 3600)  # Tuesday 10:00 + 4h: 10-12 (2h) + 13-15
    assert due == at(2026, 11, 17, 15) and not est


def test_24_hours_is_three_working_days():
    assert CAL.add(at(2026, 11, 16, 9), 24 * 3600)[0] == at(2026, 11, 18, 18)


def test_friday_afternoon_continues_on_monday():
    assert CAL.add(at(2026, 11, 20, 17), 2 * 3600)[0] == at(2026, 11, 23, 10)


def test_saturday_report_starts_counting_on_monday_morning():
    assert CAL.add(at(2026, 11, 21, 15), 3600)[0] == at(2026, 11, 23, 10)


def test_days_keep_the_clock_time():
    due = deadline_for(at(2026, 11, 17, 10, 30), 3, "days", CAL).due_at  # Tue → Fri
    assert due == at(2026, 11, 20, 10, 30)


def test_national_day_holiday_is_skipped_and_tiaoxiu_saturday_counts():
    # Wed 30 Sep 16:00 + 1 day: Oct 1–7 off, Oct 8 (Thu) is the next working day.
    assert CAL.add(at(2026, 9, 30, 16), 8 * 3600)[0] == at(2026, 10, 8, 16)
    # Fri 9 Oct 16:00 + 1 day: Sat 10 Oct is a 调休 working day.
    assert CAL.add(at(2026, 10, 9, 16), 8 * 3600)[0] == at(2026, 10, 10, 16)


def test_spring_festival_tiaoxiu_saturday_before_the_holiday_counts():
    # Fri 13 Feb 17:00 + 2h: Sat 14 Feb is a working day (调休), then Feb 15–23 off.
    assert CAL.add(at(2026, 2, 13, 17), 2 * 3600)[0] == at(2026, 2, 14, 10)
    assert CAL.add(at(2026, 2, 14, 17), 2 * 3600)[0] == at(2026, 2, 24, 10)


def test_beyond_the_last_known_year_falls_back_to_weekends_and_says_so():
    due, estimated = CAL.add(at(2026, 12, 31, 17), 2 * 3600)
    assert due == at(2027, 1, 1, 10)  # 2027's notice is not entered: 1 Jan 2027 (a Friday) counts as working
    assert estimated
    assert not CAL.add(at(2026, 12, 30, 9), 3600)[1]


def test_warn_time_is_80_percent_of_the_working_time():
    dl = deadline_for(at(2026, 11, 16, 9), 10, "hours", CAL)  # Mon 09:00 + 10h → Tue 11:00; 8h → Mon 18:00
    assert dl.due_at == at(2026, 11, 17, 11)
    assert dl.warn_at == at(2026, 11, 16, 18)


instants = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 11, 30)).map(
    lambda d: d.replace(tzinfo=TZ)
)
durations = st.integers(min_value=0, max_value=15 * 8 * 3600)


@settings(max_examples=300, deadline=None)
@given(start=instants, seconds=durations)
def test_due_time_is_inside_working_hours_of_a_working_day(start, seconds):
    due, _ = CAL.add(start, seconds)
    local = due.astimezone(TZ)
    assert CAL.is_working_day(local.date())
    t = local.time()
    assert dt.time(9) <= t <= dt.time(12) or dt.time(13) <= t <= dt.time(18)
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(start=instants, seconds=durations)
def test_working_time_between_start_and_due_is_exactly_the_duration(start, seconds):
    due, _ = CAL.add(start, seconds)
    assert CAL.between(start, due) == pytest.approx(seconds, abs=1)


@settings(max_examples=300, deadline=None)
@given(paused=instants, seconds=durations, fraction=st.integers(min_value=1, max_value=999_999))
def test_a_deadline_moved_after_a_pause_never_lands_before_the_time_that_was_left(paused, seconds, fraction):
    # Suspend at ``paused`` (with a fraction of a second, as timezone.now() has), resume at once: the remaining
    # working time, added back, must not lose the fraction (it did: a resumed event's deadline came a second early).
    paused = paused.replace(microsecond=fraction)
    due, _ = CAL.add(paused, seconds)
    moved, _ = CAL.add(paused, CAL.between(paused, due))
    assert moved >= due


@settings(max_examples=200, deadline=None)
@given(start=instants, a=durations, b=durations)
def test_adding_in_two_steps_equals_adding_once(start, a, b):
    first, _ = CAL.add(start, a)
    assert CAL.add(first, b)[0] == CAL.add(start, a + b)[0]


@settings(max_examples=200, deadline=None)
@given(start=instants, seconds=durations)
def test_a_longer_deadline_is_never_earlier(start, seconds):
    assert CAL.add(start, seconds + 60)[0] >= CAL.add(start, seconds)[0]


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_holidays_are_never_working_days_and_tiaoxiu_days_always_are(day):
    expected = CAL.overrides.get(day, day.weekday() < 5)
    assert CAL.is_working_day(day) is expected


@pytest.mark.django_db
def test_the_seeded_calendar_knows_2026_and_not_2027():
    from linli.events import deadlines

    deadlines.invalidate()
    cal = deadlines.calendar()
    assert 2026 in cal.known_years and 2027 not in cal.known_years
    assert cal.is_working_day(dt.date(2026, 10, 10)) and not cal.is_working_day(dt.date(2026, 10, 1))
    assert deadlines.last_known_year() == 2026


def test_adding_nothing_at_the_end_of_a_working_day_stays_there():
    end_of_day = dt.datetime(2026, 1, 22, 18, 0, tzinfo=TZ)
    assert CAL.add(end_of_day, 0)[0] == end_of_day
    assert CAL.add(end_of_day, 60)[0] == dt.datetime(2026, 1, 23, 9, 1, tzinfo=TZ)
