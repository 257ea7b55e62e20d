"""统计分析 · 热点 (``/console/screen/analytics/``): hot spots, repeat places, time patterns; xlsx and PNG."""

from __future__ import annotations

import datetime as dt
import tempfile
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from linli.core import audit, xlsx
from linli.core.models import AuditLog
from linli.core.permissions import requires
from linli.core.scoping import has_action
from linli.dashboard import analytics


def _date(value, default):
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
@requires("event.stats")
@require_GET
def analytics_page(request):
    today = timezone.localdate()
    until = _date(request.GET.get("until"), today)
    since = _date(request.GET.get("since"), until - dt.timedelta(days=89))
    error = ""
    if since > until:
        error, since = "起始日期不能晚于截止日期，已改为截止日期前 90 天。", until - dt.timedelta(days=89)
    category = request.GET.get("category", "")
    region, paths = analytics.regions_for(request.user, request.GET.get("region"))
    hot = analytics.hot_spots(paths, since, until, category)
    repeat = analytics.repeat_places(paths, since, until)
    times = analytics.patterns(paths, since, until, category)
    if request.GET.get("export") == "xlsx":
        return _export(request, hot, repeat, times, since, until)
    query = {"since": since.isoformat(), "until": until.isoformat(), "category": category}
    if region is not None:
        query["region"] = region.pk
    drill = has_action(request.user, "event.view")
    for grid in hot["grids"]:
        grid["url"] = (
            f"{reverse('events:event_list')}?{urlencode({'grid': grid['id'], 'category': category})}" if drill else ""
        )
    context = {
        "title": "热点分析",
        "region": region,
        "since": since,
        "until": until,
        "category": category,
        "categories": analytics.categories(),
        "hot": hot,
        "repeat": repeat,
        "error": error,
        "export_url": f"?{urlencode({**query, 'export': 'xlsx'})}",
        "league_url": f"{reverse('events:stats')}?{urlencode({'by': 'handler', 'since': since, 'until': until})}",
        "chart": {"hours": times["hours"], "weekdays": times["weekdays"], "weekday_labels": analytics.WEEKDAYS,
                  "grids": [g["name"] for g in hot["grids"][:15]], "grid_n": [g["n"] for g in hot["grids"][:15]]},
    }  # fmt: skip
    return render(request, "dashboard/analytics.html", context)


def _export(request, hot, repeat, times, since, until):
    """The page's tables as xlsx: counts per place and time, no personal data; an EXPORT audit row."""
    audit.record(actor=request.user, action=AuditLog.Action.EXPORT, field="热点分析",
                 extra={"since": since.isoformat(), "until": until.isoformat(), "path": request.path})  # fmt: skip
    handle = tempfile.TemporaryFile()
    with xlsx.Workbook(handle) as book:
        sheet = book.sheet("楼栋热点", widths=[36, 24, 10], freeze=True)
        sheet.append(["楼栋", "网格", "事件数"], header=True)
        for row in hot["buildings"]:
            sheet.append([row["name"], (row["grid"] or {}).get("name", ""), row["n"]])
        sheet = book.sheet("网格热点", widths=[30, 10], freeze=True)
        sheet.append(["网格", "事件数"], header=True)
        for row in hot["grids"]:
            sheet.append([row["name"], row["n"]])
        sheet = book.sheet("重复地址", widths=[40, 10], freeze=True)
        sheet.append(["地址", "事件数"], header=True)
        for row in repeat:
            sheet.append([row["name"], row["n"]])
        sheet = book.sheet("时段规律", widths=[12, 10], freeze=True)
        sheet.append(["时段", "事件数"], header=True)
        for hour, n in enumerate(times["hours"]):
            sheet.append([f"{hour:02d}:00—{hour:02d}:59", n])
        for label, n in zip(analytics.WEEKDAYS, times["weekdays"], strict=True):
            sheet.append([label, n])
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"热点分析-{since:%Y%m%d}-{until:%Y%m%d}.xlsx")
