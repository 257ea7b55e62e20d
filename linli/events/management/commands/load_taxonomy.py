from django.core.management.base import BaseCommand

from linli.core.calendar import load_holidays
from linli.core.models import Holiday, HolidayYear
from linli.events.models import Category
from linli.events.taxonomy import load_taxonomy


class Command(BaseCommand):
    help = "Load the event taxonomy (linli/events/data/) and the holiday calendar (linli/core/data/); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="overwrite administrators' edits from the file")
        parser.add_argument("--holidays", action="store_true", help="also (re)load the holiday calendar")

    def handle(self, *args, reset=False, holidays=False, **options):
        counts = load_taxonomy(Category, reset=reset)
        self.stdout.write(f"分类：新增 {counts['created']}，更新 {counts['updated']}")
        if holidays:
            self.stdout.write(f"节假日：{load_holidays(Holiday, HolidayYear)} 天")
