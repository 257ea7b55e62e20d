from django.db.models import Q

from linli.core.modules import ModuleConfig


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
        )  # a resident's own houses: people extends this scope (it knows who lives where)

        kinds = ("compound", "building", "house")
        m.allow(OFFICE_ROLES, verbs(kinds, OFFICE_VERBS))
        m.allow(GRID_ROLES, verbs(kinds, GRID_VERBS))
        m.allow((Role.LEADER, Role.PROPERTY_STAFF), verbs(kinds, ("view",)))
        m.allow((Role.UNIT_LEADER,), {"house.view", "building.view"})
        m.allow(SELF_ROLES, {"house.view"})

        from linli.core.modules import DetailSection, Statistic
        from linli.housing import selectors

        # The region page's 楼栋 card, map points and base map: core shows them without importing housing.
        m.section(
            DetailSection(
                "buildings",
                "core.Region",
                "楼栋",
                "housing/partials/region_buildings.html",
                context=lambda user, region: selectors.region_buildings(user=user, region=region),
            )
        )
        # Figures for the console's start page and the big screen, each restricted to the viewer.
        m.stat(
            Statistic(
                "housing.houses",
                "房屋",
                selectors.house_count,
                "house.view",
                unit="套",
                url="housing:house_list",
                home=30,
                breakdown=selectors.houses_by_region,
            )
        )
        m.stat(
            Statistic(
                "housing.buildings", "楼栋", selectors.building_count, "building.view", unit="栋",
                url="housing:building_list", home=40,
            )
        )  # fmt: skip

        from linli.core.modules import DemoStep
        from linli.housing import demo

        m.demo(DemoStep("housing", demo.run, after=("core",)))
