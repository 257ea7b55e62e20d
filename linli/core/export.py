"""xlsx export of a console list: the same columns, masked values, streamed from a temporary file."""

import tempfile

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook

from linli.core import audit
from linli.core.models import AuditLog


def export_response(*, request, title: str, columns, queryset) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "导出")
    sheet.append([c.label for c in columns])
    count = 0
    for obj in queryset.iterator(chunk_size=2000):
        sheet.append([_cell(c.value(obj)) for c in columns])
        count += 1
    filters = {k: v for k, v in request.GET.items() if k not in ("export", "page")}
    audit.record(
        actor=request.user,
        action=AuditLog.Action.EXPORT,
        field=title,
        extra={"count": count, "filters": filters, "masked": True, "path": request.path},
    )
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    name = f"{title}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, int | float | str):
        return value
    return str(value)
