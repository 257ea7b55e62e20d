"""Jobs of the votes part: close and count the owners' votes whose deadline has passed (a thin wrapper)."""

from huey import crontab

from linli.core.jobs import periodic
from linli.participation.votes import services


@periodic(crontab(minute="*"))
def close_due_owner_votes():
    """Every minute: close the 业主表决 whose 截止时间 has passed, count them and publish the results."""
    return services.close_due()
