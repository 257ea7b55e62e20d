"""Plumbing: drop the cached working calendar when administrators edit holidays."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from linli.events import deadlines
from linli.events.models import Holiday, HolidayYear


@receiver([post_save, post_delete], sender=Holiday)
@receiver([post_save, post_delete], sender=HolidayYear)
def _invalidate_calendar(**kwargs):
    deadlines.invalidate()
