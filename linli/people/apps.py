from django.db.models import Q

from linli.core.modules import ModuleConfig


def _own_household_ids(user):
    from linli.people.models import Person

    return Person.objects.filter(user=user, household__isnull=False).values("household_id")


def _own_persons(user):
    return Q(user=user) | Q(household_id__in=_own_household_ids(user))


def _property_persons(ids):
    from linli.people.models import Residency

    current = Residency.objects.filter(end__isnull=True, house__building__compound__property_company_id__in=ids)
    return Q(pk__in=current.values("person_id"))


class PeopleConfig(ModuleConfig):
    name = "linli.people"
    label = "people"
    verbose_name = "人员（人口、户、标签、单位、场所）"
    urls = "linli.people.urls"
    api = "linli.people.api.views"

    def register(self, m):
        from linli.core.navigation import MenuItem
        from linli.core.roles import GRID_ROLES, GRID_VERBS, OFFICE_ROLES, OFFICE_VERBS, SELF_ROLES, Role, verbs

        m.scope("person", "people.Person", org=_property_persons, own=_own_persons)
        m.scope("household", "people.Household", own=lambda user: Q(pk__in=_own_household_ids(user)))
        m.scope(
            "residency",
            "people.Residency",
            org=lambda ids: Q(house__building__compound__property_company_id__in=ids),
            own=lambda user: Q(person__user=user) | Q(person__household_id__in=_own_household_ids(user)),
        )
        m.scope("tagassignment", "people.TagAssignment")
        m.scope("entity", "people.Entity")
        m.scope("place", "people.Place")
        m.scope("visit", "people.Visit")

        kinds = ("person", "household", "residency", "tagassignment", "entity", "place")
        m.allow(OFFICE_ROLES, verbs(kinds, OFFICE_VERBS) | {"person.unmask", "tag.view"})
        m.allow(GRID_ROLES, verbs(kinds, GRID_VERBS) | {"person.unmask", "tag.view"})
        m.allow((Role.LEADER,), verbs(kinds, ("view",)) | {"tag.view"})
        m.allow((Role.AUDITOR,), {"tag.view"})
        m.allow((Role.UNIT_LEADER,), {"person.view", "household.view", "tag.view"})
        m.allow((Role.PROPERTY_STAFF,), {"residency.view", "person.view"})
        m.allow(SELF_ROLES, verbs(("person", "household", "residency"), ("view",)))

        # 走访记录: grid workers and community/street staff record and read visits in their scope; leaders read.
        m.allow(OFFICE_ROLES + GRID_ROLES, {"visit.view", "visit.add", "visit.export"})
        m.allow((Role.LEADER,), {"visit.view"})
        m.menu("人口", MenuItem("走访记录", "people:visit_list", "visit.view"))
        m.menu("人口", MenuItem("走访提醒", "people:visit_overdue", "visit.view"))

        from linli.core.modules import DemoStep
        from linli.people import demo

        m.demo(DemoStep("people", demo.run, after=("housing",)))
        m.demo(DemoStep("visits", demo.run_visits, after=("people",)))
