"""Jobs: remind the community of overdue and unclaimed micro-wishes (thin wrapper)."""

from huey import crontab

from linli.core.jobs import periodic
from linli.volunteering import services


@periodic(crontab(minute="15", hour="9"))
def remind_wishes():
    """Every morning: claims past their deadline and wishes nobody took for a week remind staff (and claimers)."""
    return services.remind_tick()
