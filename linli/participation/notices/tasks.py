"""Jobs of the notices part: publish scheduled notices when their time comes (a thin wrapper)."""

from huey import crontab

from linli.core.jobs import periodic
from linli.participation.notices import services


@periodic(crontab(minute="*"))
def publish_due_notices():
    """Every minute: publish the notices whose 定时发布时间 has come."""
    return services.publish_due()
