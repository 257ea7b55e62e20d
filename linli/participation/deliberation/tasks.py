"""Jobs of the deliberation part: close the polls whose end time has passed (a thin wrapper)."""

from huey import crontab

from linli.core.jobs import periodic
from linli.participation.deliberation import services


@periodic(crontab(minute="*"))
def close_due_polls():
    """Every minute: close and count the community polls whose 截止时间 has passed."""
    return services.close_due_polls()
