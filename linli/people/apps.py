from django.db.models import Q

from linli.core.modules import DetailSection, ModuleConfig, SearchProvider, Statistic


def _own_household_ids(user):
    from linli.people.models import Person

    return Person.objects.filter(user=user, household__isnull=False).values("household_id")


def _own_persons(user):
    return Q(user=user) | Q(household_id__in=_own_household_ids(user))


def _own_houses(user):
    from linli.people.models import Residency

    return Q(pk__in=Residency.objects.filter(person__user=user, end__isnull=True).values("house_id"))


def _follow_house(sender, house, **kwargs):
    """A house moved to another 十联户/grid: its residencies, households and residents follow."""
    from linli.people.services import house_region_changed

    house_region_changed(house=house)


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
        from linli.housing.signals import house_region_changed

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
        m.extend_scope("house", own=_own_houses)  # housing knows houses, people who lives in them
        house_region_changed.connect(_follow_house, dispatch_uid="people.follow_house")

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

        # The resident's data copy (PIPL Art. 45) and how long ended residencies are kept (Art. 19).
        from linli.core.modules import PersonalDataSection, RetentionKind
        from linli.people import selectors, services

        m.personal_data(PersonalDataSection("person", "本人", selectors.personal_data_person, order=20))
        m.personal_data(PersonalDataSection("household", "户", selectors.personal_data_household, order=30))
        m.personal_data(PersonalDataSection("residencies", "人房关系", selectors.personal_data_residencies, order=40))
        m.personal_data(PersonalDataSection("tags", "标签", selectors.personal_data_tags, order=50))
        from linli.people import ownership

        m.personal_data(PersonalDataSection("ownership", "产权", ownership.personal_data_ownership, order=45))
        m.personal_data(PersonalDataSection("visits", "走访记录", selectors.personal_data_visits, order=60))
        m.retention(RetentionKind("ended_residency", "已结束的人房关系", 365 * 5, services.purge_ended_residencies,
                                  note="人房关系结束满 5 年"))  # fmt: skip

        # The house page's 住户 tab: housing shows it without importing people.
        from linli.people import selectors
        from linli.people.views import sections

        m.section(
            DetailSection(
                "people",
                "housing.House",
                "住户",
                "people/partials/house_residents.html",
                context=sections.house_residents,
                buttons=sections.house_buttons,
                order=10,
            )
        )
        m.section(
            DetailSection(
                "owners", "housing.House", "产权人", "people/partials/house_owners.html",
                context=sections.house_owners, order=15,
            )
        )  # fmt: skip
        # 以房找人、以人找房: the console's search box, answered by people (persons and the houses they live in).
        m.search(
            SearchProvider(
                "people",
                "人员与房屋",
                selectors.search_answer,
                "person.view",
                order=10,
                template="people/partials/search_results.html",
            )
        )
        # Figures for the console's start page and the big screen, each restricted to the viewer.
        m.stat(
            Statistic(
                "people.population",
                "实有人口",
                selectors.person_count,
                "person.view",
                unit="人",
                url="people:person_list",
                home=10,
                breakdown=selectors.persons_by_region,
            )
        )
        m.stat(
            Statistic(
                "people.households", "户", selectors.household_count, "household.view", unit="户",
                url="people:household_list", home=20,
            )
        )  # fmt: skip
        m.home_cards(selectors.tagged_groups, cached=True)  # 重点人群, beside the regions one level down

        from linli.core.modules import DemoStep
        from linli.people import demo

        # Other apps write to and read the visit log without importing people (party's 结对帮扶 visits).
        m.provide("people.record_visit", services.visit_record_for)
        m.provide("people.visits_of", services.visits_by_id)
        m.demo(DemoStep("people", demo.run, after=("housing",)))
        m.demo(DemoStep("visits", demo.run_visits, after=("people",)))
        from linli.people import demo_ownership

        m.demo(DemoStep("ownership", demo_ownership.run, after=("people",)))
