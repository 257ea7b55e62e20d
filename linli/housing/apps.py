from django.apps import AppConfig
from django.db.models import Q


def _own_houses(user):
    from linli.people.models import Residency

    return Q(pk__in=Residency.objects.filter(person__user=user, end__isnull=True).values("house_id"))


class HousingConfig(AppConfig):
    name = "linli.housing"
    label = "housing"
    verbose_name = "房屋（小区、楼栋、单元、房屋）"

    def ready(self):
        from linli.core import scoping

        scoping.register("compound", "housing.Compound", org=lambda ids: Q(property_company_id__in=ids))
        scoping.register("building", "housing.Building", org=lambda ids: Q(compound__property_company_id__in=ids))
        scoping.register(
            "house",
            "housing.House",
            org=lambda ids: Q(building__compound__property_company_id__in=ids),
            own=_own_houses,
        )
