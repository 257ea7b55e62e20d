"""The big screen's jobs: counting a region's people and house figures again when they are a minute old."""

from huey.contrib.djhuey import db_task


@db_task()
def count_stat(key: str, path: str) -> None:
    """Count statistic ``key`` for the region at ``path`` and keep it for the screens (``selectors._stats``)."""
    from linli.dashboard import selectors

    selectors._count(key, path)
