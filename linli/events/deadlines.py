"""Event deadlines (处置时限) on the working calendar of ``linli.core.calendar``.

A category's deadline is N working hours or N working days, or N 自然小时 (unit ``clock``: around the clock, for
what cannot wait for office hours). ``N 个工作日`` is N × the working seconds of one day, so a case accepted at
10:00 on a Tuesday with 3 days is due at 10:00 on the Friday. 预警 is raised at ``settings.EVENTS_WARN_RATIO``
(80 %) of the time. Days outside the years whose holiday notice has been entered follow the plain weekend rule
and the deadline is marked estimated.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from linli.core.calendar import TZ, WorkCalendar, calendar, invalidate, last_known_year

__all__ = [
    "CLOCK",
    "TZ",
    "Deadline",
    "WorkCalendar",
    "calendar",
    "deadline_for",
    "duration_seconds",
    "invalidate",
    "last_known_year",
    "warn_ratio",
]

CLOCK = "clock"  # 自然小时: around the clock, not on the working calendar


def duration_seconds(value: int, unit: str, calendar: WorkCalendar) -> int:
    """Seconds of a deadline such as (24, 'hours') or (3, 'days') (working time), or (2, 'clock') (clock time)."""
    return value * 3600 if unit in ("hours", CLOCK) else value * calendar.day_seconds


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
    return float(settings.EVENTS_WARN_RATIO)
