"""xlsx export of a console list: core offers the button, the ledger app that registers itself here does the work.

``dataio`` (the import/export ledger, above the domain apps) calls :func:`register_list_export` from its
``register`` with its ``list_export`` (masking, audit, large exports as jobs), so core never imports it. Without a
registered exporter the export answers 404, like a page that is not there.
"""

from collections.abc import Callable

from django.http import Http404
from django.utils.module_loading import import_string

_exporter: list[str | Callable] = []


def register_list_export(exporter: str | Callable) -> None:
    """``exporter(*, request, title, columns, queryset)`` answers a list's "导出 Excel" (a dotted path is imported
    on first use)."""
    _exporter[:] = [exporter]


def export_response(*, request, title: str, columns, queryset):
    """Export what the current filters show, masked; small lists at once, large ones as a job to come back to."""
    if not _exporter:
        raise Http404("导出功能未启用。")
    exporter = _exporter[0]
    if isinstance(exporter, str):
        exporter = _exporter[0] = import_string(exporter)
    return exporter(request=request, title=title, columns=columns, queryset=queryset)
