from django.db.models import Q

from linli.core.modules import ModuleConfig


def _own_person_rows(user):
    from linli.people.models import Person

    return Q(person_id__in=Person.objects.filter(user=user).values("pk")) | Q(
        person__household_id__in=Person.objects.filter(user=user, household__isnull=False).values("household_id")
    )


class DataioConfig(ModuleConfig):
    name = "linli.dataio"
    label = "dataio"
    verbose_name = "数据导入导出与个人信息保护"
    urls = "linli.dataio.urls"
    api = "linli.dataio.api.views"

    def register(self, m):
        from linli.core.export import register_list_export
        from linli.core.navigation import MenuItem
        from linli.core.roles import GRID_ROLES, OFFICE_ROLES, SELF_ROLES, Role, verbs

        register_list_export("linli.dataio.exports.list_export")  # every console list's 导出 Excel

        # An import batch sits in the region its importer works in: their community's staff see it too.
        m.scope("importbatch", "dataio.ImportBatch")
        m.scope(
            "correction", "dataio.CorrectionRequest", own=lambda user: Q(requested_by=user) | _own_person_rows(user)
        )
        m.scope("consent", "dataio.ConsentRecord", own=_own_person_rows)
        m.scope("retention", "dataio.RetentionPolicy", region_path=None)

        # importbatch: the import ledger; correction: residents' correction requests (PIPL Art. 46); consent:
        # consent records for sensitive processing (PIPL Art. 29/31); retention: purge periods and legal holds.
        office = verbs(("importbatch", "correction", "consent"), ("view", "change")) | {"consent.add"}
        m.allow(OFFICE_ROLES + GRID_ROLES, office)
        m.allow((Role.AUDITOR,), {"importbatch.view", "correction.view", "consent.view", "retention.view"})
        m.allow(SELF_ROLES, {"correction.view", "correction.add", "consent.view"})

        m.menu("数据", MenuItem("批量导入", "dataio:import_list", "importbatch.view"))
        m.menu("数据", MenuItem("我的导出", "dataio:export_list", None))
        m.menu("数据", MenuItem("更正申请", "dataio:correction_list", "correction.view"))
        m.menu("数据", MenuItem("同意记录", "dataio:consent_list", "consent.change"))
        m.menu("区域与审计", MenuItem("个人信息审计", "dataio:audit_person", "audit.view"))
        m.menu("区域与审计", MenuItem("保存期限与保全", "dataio:retention", "retention.view"))
