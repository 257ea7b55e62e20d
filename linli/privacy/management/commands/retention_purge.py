"""manage.py retention_purge: run the retention purge now (the worker runs it nightly at 03:17)."""

from django.core.management.base import BaseCommand

from linli.privacy import services


class Command(BaseCommand):
    help = "按保存期限立即清理各类记录（法律保全中的除外）；后台任务每晚 03:17 自动执行。"

    def handle(self, *args, **options):
        counts = services.retention_purge()
        for kind, n in sorted(counts.items()):
            self.stdout.write(f"{kind}: {n}")
        self.stdout.write(self.style.SUCCESS(f"已清理 {sum(counts.values())} 条。"))
