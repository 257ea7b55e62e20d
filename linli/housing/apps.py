from django.db.models import Q

from linli.core.modules import ModuleConfig


def _own_houses(user):
    from linli.people.models import Residency

    return Q(pk__in=Residency.objects.filter(person__user=user, end__isnull=True).values("house_id"))


class HousingConfig(ModuleConfig):
    name = "linli.housing"
    label = "housing"
    verbose_name = "房屋（小区、楼栋、单元、房屋）"
    urls = "linli.housing.urls"
    api = "linli.housing.api.views"

    def register(self, m):
        from linli.core.roles import GRID_ROLES, GRID_VERBS, OFFICE_ROLES, OFFICE_VERBS, SELF_ROLES, Role, verbs

        m.scope("compound", "housing.Compound", org=lambda ids: Q(property_company_id__in=ids))
        m.scope("building", "housing.Building", org=lambda ids: Q(compound__property_company_id__in=ids))
        m.scope(
            "house",
            "housing.House",
            org=lambda ids: Q(building__compound__property_company_id__in=ids),
            own=_own_houses,
        )

        kinds = ("compound", "building", "house")
        m.allow(OFFICE_ROLES, verbs(kinds, OFFICE_VERBS))
        m.allow(GRID_ROLES, verbs(kinds, GRID_VERBS))
        m.allow((Role.LEADER, Role.PROPERTY_STAFF), verbs(kinds, ("view",)))
        m.allow((Role.UNIT_LEADER,), {"house.view", "building.view"})
        m.allow(SELF_ROLES, {"house.view"})

        from linli.core.modules import DemoStep
        from linli.housing import demo

        m.demo(DemoStep("housing", demo.run, after=("core",)))
