"""The working calendar: working days and working hours in Asia/Shanghai, with official holidays and 调休.

A working day is a Monday–Friday that is not an official day off, or a weekend day that the State Council's
notice makes a working day (调休). Working hours are the periods of ``settings.WORK_PERIODS`` (environment
``LINLI_WORK_PERIODS``, default 09:00–12:00 and 13:00–18:00: 8 hours a day). Holidays are rows of
``core.Holiday`` (administrators enter each year's notice; ``data/holidays.json`` seeds the years known at
release), and the years entered are ``core.HolidayYear``: days outside them follow the plain weekend rule and
results crossing them are marked estimated. Any module counts working time with it::

    from linli.core import calendar

    cal = calendar.calendar()                    # cached per process, dropped when a holiday row changes
    due, estimated = cal.add(start, 3 * cal.day_seconds)    # three working days after ``start``
    cal.between(start, end)                      # working seconds between two instants
"""

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from linli.core.cache import ProcessCache

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_PERIODS = (("09:00", "12:00"), ("13:00", "18:00"))
HOLIDAYS_FILE = Path(__file__).resolve().parent / "data" / "holidays.json"


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
        # A duration of zero is the next working instant.
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
        """Working seconds from ``start`` to ``end`` (negative when ``end`` is earlier), rounded up: a deadline
        moved by ``add(now, between(paused, due))`` never lands before the time that was left."""
        if end < start:
            return -self.between(end, start)
        a_local, b_local = start.astimezone(TZ), end.astimezone(TZ)
        total = dt.timedelta()
        day = a_local.date()
        while day <= b_local.date():
            if self.is_working_day(day):
                for a, b in self._intervals(day):
                    lo, hi = max(a, a_local), min(b, b_local)
                    if hi > lo:
                        total += hi - lo
            day += dt.timedelta(days=1)
        return math.ceil(total.total_seconds())


def _seconds(a: dt.time, b: dt.time) -> int:
    return (b.hour * 3600 + b.minute * 60) - (a.hour * 3600 + a.minute * 60)


def build_calendar() -> WorkCalendar:
    """The calendar as the database says now (holidays, 调休, entered years, working periods)."""
    from linli.core.models import Holiday, HolidayYear

    overrides = {h.date: h.kind == Holiday.Kind.WORK for h in Holiday.objects.all()}
    known = frozenset(HolidayYear.objects.filter(published=True).values_list("year", flat=True))
    periods = settings.WORK_PERIODS or DEFAULT_PERIODS
    return WorkCalendar(overrides=overrides, known_years=known, periods=tuple((_t(a), _t(b)) for a, b in periods))


CALENDAR = ProcessCache("calendar", build_calendar, models=["core.Holiday", "core.HolidayYear"])


def calendar() -> WorkCalendar:
    """The calendar, cached per process (``linli.core.cache``: holiday edits drop it in every process)."""
    return CALENDAR.get()  # type: ignore[return-value]


def invalidate() -> None:
    """Drop the cached calendar everywhere (after loading holidays in bulk)."""
    CALENDAR.invalidate()


def last_known_year() -> int | None:
    cal = calendar()
    return max(cal.known_years) if cal.known_years else None


def load_holidays(holiday_model, year_model, *, path: Path | None = None) -> int:
    """Load the holiday notices of ``data/holidays.json`` (or ``path``); idempotent. Models passed for migrations."""
    data = json.loads((path or HOLIDAYS_FILE).read_text(encoding="utf-8"))
    n = 0
    for year, spec in data["years"].items():
        year_model.objects.update_or_create(
            year=int(year), defaults={"published": True, "source": data.get("source", "")[:200]}
        )
        for start, end, name in spec.get("off", []):
            day, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
            while day <= last:
                holiday_model.objects.update_or_create(date=day, defaults={"kind": "off", "name": name})
                day += dt.timedelta(days=1)
                n += 1
        for date, name in spec.get("work", []):
            holiday_model.objects.update_or_create(
                date=dt.date.fromisoformat(date), defaults={"kind": "work", "name": name}
            )
            n += 1
    return n


def ensure_holidays() -> None:
    """Load the calendar when no year is entered (transactional tests flush data-migration rows)."""
    from linli.core.models import Holiday, HolidayYear

    if not HolidayYear.objects.exists():
        load_holidays(Holiday, HolidayYear)
        invalidate()
