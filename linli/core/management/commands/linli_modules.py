"""Print what every Linli app registered through the module contract (``core/modules.py``)."""

from collections import defaultdict

from django.core.management.base import BaseCommand

from linli.core import modules


class Command(BaseCommand):
    help = "列出每个模块在 apps.py 中登记的内容（范围、权限、菜单、首页卡片、搜索、统计、个人信息、保存期限、演示数据）"

    def handle(self, *args, **options):
        by_app: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for app, what, name in modules.registry.log:
            by_app[app].append((what, name))
        for config in modules.module_configs():
            self.stdout.write(f"{config.label} — {config.verbose_name}")
            if config.urls:
                self.stdout.write(f"  urls: {config.urls}")
            if config.api:
                self.stdout.write(f"  api: {config.api}")
            for what, name in by_app.get(config.label, []):
                self.stdout.write(f"  {what}: {name}")
        encrypted = ", ".join(f"{m._meta.label}.{f}" for m, names in modules.encrypted_fields() for f in names)
        self.stdout.write(f"encrypted columns (by field type): {encrypted}")
        tables = ", ".join(f"{t.model}.{t.field}" for t in modules.region_tables())
        self.stdout.write(f"tables with a region path: {tables}")
