from django.apps import AppConfig
from django.db.models import Q


def _own_household_ids(user):
    from linli.people.models import Person

    return Person.objects.filter(user=user, household__isnull=False).values("household_id")


def _own_persons(user):
    return Q(user=user) | Q(household_id__in=_own_household_ids(user))


def _property_persons(ids):
    from linli.people.models import Residency

    current = Residency.objects.filter(end__isnull=True, house__building__compound__property_company_id__in=ids)
    return Q(pk__in=current.values("person_id"))


class PeopleConfig(AppConfig):
    name = "linli.people"
    label = "people"
    verbose_name = "人员（人口、户、标签、单位、场所）"

    def ready(self):
        from linli.core import scoping

        scoping.register("person", "people.Person", org=_property_persons, own=_own_persons)
        scoping.register("household", "people.Household", own=lambda user: Q(pk__in=_own_household_ids(user)))
        scoping.register(
            "residency",
            "people.Residency",
            org=lambda ids: Q(house__building__compound__property_company_id__in=ids),
            own=lambda user: Q(person__user=user) | Q(person__household_id__in=_own_household_ids(user)),
        )
        scoping.register("tagassignment", "people.TagAssignment")
        scoping.register("entity", "people.Entity")
        scoping.register("place", "people.Place")
        scoping.register("visit", "people.Visit")
        from linli.core.navigation import MenuItem, register_menu

        register_menu("人口", MenuItem("走访记录", "people:visit_list", "visit.view"))
        register_menu("人口", MenuItem("走访提醒", "people:visit_overdue", "visit.view"))
