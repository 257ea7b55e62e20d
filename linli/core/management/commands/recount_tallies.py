"""Rebuild the incremental counters (``core.Tally``) from the records: ``manage.py recount_tallies [kind …]``."""

from django.core.management.base import BaseCommand, CommandError

from linli.core import tallies


class Command(BaseCommand):
    help = "从业务记录重新计算大屏计数（core.Tally）"

    def add_arguments(self, parser):
        parser.add_argument("kinds", nargs="*", help="只重算这些类型（默认全部）")

    def handle(self, *args, **options):
        kinds = options["kinds"] or tallies.kinds()
        unknown = sorted(set(kinds) - set(tallies.kinds()))
        if unknown:
            raise CommandError(f"没有这种计数：{'、'.join(unknown)}（可选：{'、'.join(tallies.kinds())}）")
        for kind in kinds:
            n = tallies.recount(kind)
            self.stdout.write(f"{kind}：已重算 {n} 条记录")
        tallies.analyse()
