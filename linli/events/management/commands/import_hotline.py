from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.core.models import Region
from linli.events.hotline import import_orders


class Command(BaseCommand):
    help = "Import 12345 hotline work orders (CSV, XLSX or JSON); idempotent by order number."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--community", required=True, help="社区名称：无法定位的工单进入该社区的待分拨队列")

    def handle(self, *args, file, community, **options):
        region = Region.objects.filter(name=community, level__code="community").first()
        if region is None:
            raise CommandError(f"没有名为“{community}”的社区")
        path = Path(file)
        result = import_orders(data=path.read_bytes(), filename=path.name, region=region)
        self.stdout.write(f"新增 {len(result.created)}，已存在 {len(result.existing)}，错误 {len(result.errors)}")
        for row, message in result.errors:
            self.stdout.write(f"  第 {row} 行：{message}")
