"""Jobs: the nightly retention purge (a thin wrapper around services)."""

from huey import crontab

from linli.core.jobs import periodic


@periodic(crontab(hour="3", minute="17"))
def nightly_retention_purge() -> None:
    from linli.privacy import services

    services.retention_purge()
