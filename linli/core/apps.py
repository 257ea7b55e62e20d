from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = "基础（区域、账号、权限、审计）"

    def ready(self):
        from linli.core import scoping, signals

        signals.connect()

        scoping.register("region", "core.Region", region_path="path")
        scoping.register("organisation", "core.Organisation")
        scoping.register("audit", "core.AuditLog", region_path=None)
        scoping.register("objectchange", "core.ObjectChange", region_path=None)
