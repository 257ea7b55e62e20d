"""Working-time arithmetic: deadlines in working hours and working days, Asia/Shanghai, holidays and 调休.

A working day is a Monday–Friday that is not an official day off, or a weekend day that the State
Council's notice makes a working day (调休). A category may instead count 自然小时 (unit ``clock``: around the clock, for what cannot wait for office
hours). Working hours are the periods of ``EVENTS_WORK_PERIODS``
(default 09:00–12:00 and 13:00–18:00: 8 hours a day). ``N 个工作日`` is N × the working seconds of one
day, so a case accepted at 10:00 on a Tuesday with 3 days is due at 10:00 on the Friday. Days outside the
years whose notice has been entered follow the plain weekend rule and the result is marked estimated.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_PERIODS = (("09:00", "12:00"), ("13:00", "18:00"))


def _t(value: str) -> dt.time:
    h, m = value.split(":")
    return dt.time(int(h), int(m))


@dataclass
class WorkCalendar:
    """Holidays and 调休 days, the years they cover, and the daily working periods."""

    overrides: dict[dt.date, bool] = field(default_factory=dict)  # date → is a working day
    known_years: frozenset[int] = frozenset()
    periods: tuple[tuple[dt.time, dt.time], ...] = tuple((_t(a), _t(b)) for a, b in DEFAULT_PERIODS)

    @property
    def day_seconds(self) -> int:
        return sum(_seconds(a, b) for a, b in self.periods)

    def is_known(self, day: dt.date) -> bool:
        return day.year in self.known_years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5

    def _intervals(self, day: dt.date):
        for start, end in self.periods:
            yield dt.datetime.combine(day, start, TZ), dt.datetime.combine(day, end, TZ)

    def add(self, start: dt.datetime, seconds: int) -> tuple[dt.datetime, bool]:
        """The instant ``seconds`` of working time after ``start``; and whether an unknown year was crossed."""
        local = start.astimezone(TZ)
        day = local.date()
        remaining = seconds
        estimated = False
        # A deadline of zero is the next working instant.
        for _ in range(3700):  # ten years of days: a safety stop, never reached by real deadlines
            if not self.is_known(day):
                estimated = True
            if self.is_working_day(day):
                for a, b in self._intervals(day):
                    # ``>`` not ``>=``: an instant at the end of a period is still in it, so that adding in
                    # two steps lands where adding once does (found by hypothesis).
                    if local > b:
                        continue
                    begin = max(local, a)
                    available = (b - begin).total_seconds()
                    if remaining <= available:
                        return begin + dt.timedelta(seconds=remaining), estimated
                    remaining -= available
                    local = b
            day += dt.timedelta(days=1)
            local = dt.datetime.combine(day, dt.time(0), TZ)
        raise ValueError("working-time addition did not converge")

    def between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.between(end, start)
        a_local, b_local = start.astimezone(TZ), end.astimezone(TZ)
        total = 0
        day = a_local.date()
        while day <= b_local.date():
            if self.is_working_day(day):
                for a, b in self._intervals(day):
                    lo, hi = max(a, a_local), min(b, b_local)
                    if hi > lo:
                        total += int((hi - lo).total_seconds())
            day += dt.timedelta(days=1)
        return total


def _seconds(a: dt.time, b: dt.time) -> int:
    return (b.hour * 3600 + b.minute * 60) - (a.hour * 3600 + a.minute * 60)


CLOCK = "clock"  # 自然小时: around the clock, not on the working calendar


def duration_seconds(value: int, unit: str, calendar: WorkCalendar) -> int:
    """Seconds of a deadline such as (24, 'hours') or (3, 'days') (working time), or (2, 'clock') (clock time)."""
    return value * 3600 if unit in ("hours", CLOCK) else value * calendar.day_seconds


def invalidate() -> None:
    from linli.events import caches

    caches.invalidate("calendar")


def build_calendar() -> WorkCalendar:
    """The calendar as the database says now (holidays, 调休, entered years, working periods)."""
    from linli.events.models import Holiday, HolidayYear

    overrides = {h.date: h.kind == Holiday.Kind.WORK for h in Holiday.objects.all()}
    known = frozenset(HolidayYear.objects.filter(published=True).values_list("year", flat=True))
    periods = getattr(settings, "EVENTS_WORK_PERIODS", DEFAULT_PERIODS)
    return WorkCalendar(overrides=overrides, known_years=known, periods=tuple((_t(a), _t(b)) for a, b in periods))


def calendar() -> WorkCalendar:
    """The calendar, cached per process (``linli.events.caches``: holiday edits invalidate it)."""
    from linli.events import caches

    return caches.CALENDAR.get()  # type: ignore[return-value]


@dataclass
class Deadline:
    due_at: dt.datetime
    warn_at: dt.datetime
    estimated: bool


def deadline_for(start: dt.datetime, value: int, unit: str, cal: WorkCalendar | None = None) -> Deadline:
    """Due time and the 预警 time (80% of the working time) for a deadline starting at ``start``."""
    if unit == CLOCK:
        total = dt.timedelta(hours=value)
        return Deadline(due_at=start + total, warn_at=start + total * warn_ratio(), estimated=False)
    cal = cal or calendar()
    total = duration_seconds(value, unit, cal)
    due, estimated = cal.add(start, total)
    warn, _ = cal.add(start, int(total * warn_ratio()))
    return Deadline(due_at=due, warn_at=warn, estimated=estimated)


def warn_ratio() -> float:
    return float(getattr(settings, "EVENTS_WARN_RATIO", 0.8))


def last_known_year() -> int | None:
    cal = calendar()
    return max(cal.known_years) if cal.known_years else None
