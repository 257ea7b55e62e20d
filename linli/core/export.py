"""xlsx export of a console list: delegated to linli.dataio.exports (masking, audit, large exports as jobs)."""


def export_response(*, request, title: str, columns, queryset):
    """Export what the current filters show, masked; small lists at once, large ones as a job to come back to."""
    from linli.dataio.exports import list_export

    return list_export(request=request, title=title, columns=columns, queryset=queryset)
