"""Times as people read them: in the current zone (Asia/Shanghai), to the minute, no microseconds.

The database and the audit snapshots keep UTC ISO 8601 strings; every screen that shows one goes through
``local_display``.
"""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

DATETIME = "%Y-%m-%d %H:%M"
DATE = "%Y-%m-%d"


def local_display(value) -> str | object:
    """``2026-12-06T07:04:05.123456+00:00`` → ``2026-12-06 15:04``; other values come back unchanged."""
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        parsed = None
        try:
            parsed = parse_datetime(value) if len(value) > 10 else parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime(DATETIME)
    if isinstance(value, dt.date):
        return value.strftime(DATE)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def local_stamp(value: dt.datetime | None = None) -> str:
    """A file-name stamp in local time: ``20261206-1504``."""
    return timezone.localtime(value).strftime("%Y%m%d-%H%M")
