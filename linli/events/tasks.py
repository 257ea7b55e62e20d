"""Jobs: the deadline timer (预警/催办/督办) and default satisfaction, every five minutes (thin wrappers)."""

from huey import crontab
from huey.contrib.djhuey import db_task

from linli.core.jobs import periodic
from linli.events import services


@periodic(crontab(minute="*/5"))
def supervise_deadlines():
    """预警 at 80% of the time, 催办 when overdue, 督办 24 working hours after; then 默认满意 after N days."""
    counts = services.supervise_tick()
    counts["default_rated"] = services.apply_default_ratings()
    return counts


@db_task()
def supervise_now():
    return services.supervise_tick()


@periodic(crontab(hour="2", minute="40"))
def retrain_classifier():
    """Nightly: retrain the text classifier on the labelled set plus dispatchers' corrections."""
    from linli.events import classifier, selectors

    return classifier.train(selectors.training_feedback())
