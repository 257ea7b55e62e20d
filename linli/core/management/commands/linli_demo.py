"""``manage.py linli_demo``: load the deterministic demo data set: every app's demo step (see ``docs/demo.md``)."""

import unicodedata

from django.core.management.base import BaseCommand, CommandError

from linli.core import demo
from linli.core.models import Region


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "生成演示数据：西秀区 → 街道 → 社区 → 网格 → 十联户，房屋、人员、标签、单位场所和演示账号"

    def add_arguments(self, parser):
        parser.add_argument(
            "--persons", type=int, default=demo.DEFAULT_PERSONS, help="彩虹社区的人数（默认 6908；可放大到百万级）"
        )
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子：相同种子生成相同数据")
        parser.add_argument("--if-empty", action="store_true", help="库中已有区域数据时跳过，不报错")

    def handle(self, *args, persons, seed, if_empty, **options):
        from django.conf import settings

        from linli.demo_guard import demo_refusal

        if refusal := demo_refusal(https=settings.HTTPS, allowed_hosts=settings.ALLOWED_HOSTS, loading=True):
            raise CommandError(refusal)
        if Region.objects.exists():
            if if_empty:
                self.stdout.write("库中已有区域数据，跳过演示数据生成。")
                return
            raise CommandError("库中已有区域数据：演示数据只能装入空库（加 --if-empty 可在非空时跳过）。")
        if persons < 1:
            raise CommandError("--persons 至少为 1")
        self.stdout.write(f"生成演示数据：彩虹社区 {persons:,} 人，随机种子 {seed}")
        result = demo.generate(persons=persons, seed=seed, log=self._progress)
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成，用时 {result.seconds:.1f} 秒"))
        for label, count in result.counts.items():
            self.stdout.write(f"  {_pad(label, 10)}{count:>12,}")
        headers = ("用户名", "角色", "范围", "密码")
        rows = [headers, *result.logins]
        widths = [max(_width(str(row[i])) for row in rows) + 2 for i in range(len(headers))]
        self.stdout.write("")
        self.stdout.write("演示账号（员工账号在演示模式 LINLI_DEMO=1 下免二次验证）：")
        for row in rows:
            self.stdout.write("  " + "".join(_pad(str(cell), w) for cell, w in zip(row, widths, strict=True)).rstrip())

    def _progress(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
