"""Counting helpers for registered statistics (``m.stat``): every figure goes through ``restrict``.

A statistic's ``compute(user, region, cap=None)`` is usually ``scoped_count`` on its model, and its
``breakdown(user, region)`` ``scoped_breakdown``; both count only rows the user may see for ``action``. Both
count on the read replica when one is configured (``linli.core.replica``): a figure may be milliseconds old.
"""

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from linli.core import replica
from linli.core.scoping import restrict, scope_for


def _rows(user, action: str, queryset: QuerySet | None) -> QuerySet:
    if queryset is None:
        queryset = scope_for(action.split(".", 1)[0]).get_model()._default_manager.all()
    return restrict(user, action, queryset.order_by())


def scoped_count(
    user, action: str, queryset: QuerySet | None = None, *, region=None, cap: int | None = None, path="region_path"
) -> int:
    """Rows of ``queryset`` that ``user`` may ``action``, under ``region`` if given; with ``cap``, stop at cap + 1."""
    rows = _rows(user, action, queryset)
    if region is not None:
        rows = rows.filter(**{f"{path}__startswith": region.path})
    with replica.reading():
        return (rows[: cap + 1] if cap else rows).count()


def scoped_breakdown(user, action: str, queryset: QuerySet | None = None, *, region, path="region_path") -> dict:
    """{child region path: rows} for the regions one level below ``region``: one grouped query."""
    width = len(region.path) + type(region).steplen
    rows = (
        _rows(user, action, queryset)
        .filter(**{f"{path}__startswith": region.path})
        .annotate(prefix=Substr(path, 1, width))
        .values("prefix")
        .annotate(n=Count("pk"))
    )
    with replica.reading():
        return {row["prefix"]: row["n"] for row in rows}
