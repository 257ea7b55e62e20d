from django.apps import AppConfig
from django.db.models import Q


def _own_person_rows(user):
    from linli.people.models import Person

    return Q(person_id__in=Person.objects.filter(user=user).values("pk")) | Q(
        person__household_id__in=Person.objects.filter(user=user, household__isnull=False).values("household_id")
    )


class DataioConfig(AppConfig):
    name = "linli.dataio"
    label = "dataio"
    verbose_name = "数据导入导出与个人信息保护"

    def ready(self):
        from linli.core import scoping
        from linli.core.navigation import MenuItem, register_menu

        # An import batch sits in the region its importer works in: their community's staff see it too.
        scoping.register("importbatch", "dataio.ImportBatch")
        scoping.register(
            "correction", "dataio.CorrectionRequest", own=lambda user: Q(requested_by=user) | _own_person_rows(user)
        )
        scoping.register("consent", "dataio.ConsentRecord", own=_own_person_rows)
        scoping.register("retention", "dataio.RetentionPolicy", region_path=None)
        register_menu("数据", MenuItem("批量导入", "dataio:import_list", "importbatch.view"))
        register_menu("数据", MenuItem("我的导出", "dataio:export_list", None))
        register_menu("数据", MenuItem("更正申请", "dataio:correction_list", "correction.view"))
        register_menu("数据", MenuItem("同意记录", "dataio:consent_list", "consent.change"))
        register_menu("区域与审计", MenuItem("个人信息审计", "dataio:audit_person", "audit.view"))
        register_menu("区域与审计", MenuItem("保存期限与保全", "dataio:retention", "retention.view"))
