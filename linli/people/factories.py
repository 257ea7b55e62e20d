"""Test factories for people: persons with valid encrypted ID numbers, households, residencies, tags, visits."""

import datetime as dt

import factory

from linli.core.factories import RegionFactory, make_id_number, make_phone, places
from linli.housing.factories import HouseFactory
from linli.people import services
from linli.people.models import Entity, Household, Ownership, Person, Place, Residency, Tag, TagAssignment, Visit


class PersonFactory(factory.Factory):
    """A person living at ``house`` (an owner by default), their ID number valid, encrypted and blind-indexed.

    ``PersonFactory(house__building__grid=grid)`` files them in a grid; ``birth`` and ``male`` shape the ID number.
    """

    class Meta:
        model = Person

    class Params:
        birth = dt.date(1980, 5, 17)
        male = True

    name = factory.Sequence(lambda n: f"测试{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{n}")
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth, male=o.male))
    phone = factory.LazyFunction(make_phone)
    house = factory.SubFactory(HouseFactory)
    residency_kind = Residency.Kind.OWNER

    @classmethod
    def _create(cls, model_class, *, name, id_number, phone, house, residency_kind, **extra) -> Person:
        data = services.clean_person_data(name=name, id_number=id_number, phone=phone, **extra)
        return services.person_create(actor=None, data=data, house=house, residency_kind=residency_kind)


class HouseholdFactory(factory.Factory):
    """A household (户) headed by ``householder`` at the householder's house."""

    class Meta:
        model = Household

    householder = factory.SubFactory(PersonFactory)
    house = factory.LazyAttribute(lambda o: o.householder.residencies.get().house)
    number = ""

    @classmethod
    def _create(cls, model_class, **kwargs) -> Household:
        return services.household_create(actor=None, **kwargs)


class ResidencyFactory(factory.Factory):
    """``person`` lives at ``house`` too (a tenant by default)."""

    class Meta:
        model = Residency

    person = factory.SubFactory(PersonFactory)
    house = factory.SubFactory(HouseFactory)
    kind = Residency.Kind.TENANT

    @classmethod
    def _create(cls, model_class, **kwargs) -> Residency:
        return services.residency_start(actor=None, **kwargs)


class TagFactory(factory.Factory):
    """A root tag; ``sensitivity`` 0–3 decides which roles see it."""

    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"测试标签{n}")
    code = factory.Sequence(lambda n: f"test-tag-{n}")
    sensitivity = Tag.Sensitivity.PUBLIC

    @classmethod
    def _create(cls, model_class, **kwargs) -> Tag:
        return Tag.objects.add_root(create_kwargs=kwargs)


class TagAssignmentFactory(factory.Factory):
    class Meta:
        model = TagAssignment

    person = factory.SubFactory(PersonFactory)
    tag = factory.SubFactory(TagFactory)

    @classmethod
    def _create(cls, model_class, **kwargs) -> TagAssignment:
        return services.tag_assign(actor=None, **kwargs)


class EntityFactory(factory.Factory):
    class Meta:
        model = Entity

    name = factory.Sequence(lambda n: f"测试商店{n}")
    kind = Entity.Kind.INDIVIDUAL
    grid = factory.SubFactory(RegionFactory, level="grid")

    @classmethod
    def _create(cls, model_class, **kwargs) -> Entity:
        return services.entity_create(actor=None, **kwargs)


class PlaceFactory(factory.Factory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"测试小店{n}")
    kind = Place.Kind.SMALL_SHOP
    grid = factory.SubFactory(RegionFactory, level="grid")

    @classmethod
    def _create(cls, model_class, **kwargs) -> Place:
        return services.place_create(actor=None, **kwargs)


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit to ``person`` filed in the person's region (written directly: the service needs an actor)."""

    class Meta:
        model = Visit

    person = factory.SubFactory(PersonFactory)
    region = factory.LazyAttribute(lambda o: o.person.region)
    region_path = factory.LazyAttribute(lambda o: o.person.region.path)
    visitor_name = "测试网格员"
    visited_on = factory.LazyFunction(dt.date.today)
    notes = "入户了解情况"


class OwnershipFactory(factory.Factory):
    """``person`` (or ``entity``; ``developer=True`` for an unsold unit) holds ``house`` alone, from today."""

    class Meta:
        model = Ownership

    house = factory.SubFactory(HouseFactory)
    person = None
    entity = None
    developer = False
    share = None

    @classmethod
    def _create(cls, model_class, *, house, person, entity, developer, share) -> Ownership:
        from linli.people.ownership import Holder, ownership_set

        holder = Holder(person=person, entity=entity, developer=developer, share=share)
        return ownership_set(actor=None, house=house, holders=[holder])[0]


def _person_in(grid) -> Person:
    return PersonFactory(house__building__grid=grid)


places("people.Person")(_person_in)


@places("people.Household")
def _household_in(grid) -> Household:
    return HouseholdFactory(householder=_person_in(grid))


@places("people.Residency")
def _residency_in(grid) -> Residency:
    return ResidencyFactory(house=HouseFactory(building__grid=grid), person=_person_in(grid))


@places("people.TagAssignment")
def _tagassignment_in(grid) -> TagAssignment:
    return TagAssignmentFactory(person=_person_in(grid))


@places("people.Entity")
def _entity_in(grid) -> Entity:
    return EntityFactory(grid=grid)


@places("people.Place")
def _place_in(grid) -> Place:
    return PlaceFactory(grid=grid)


@places("people.Visit")
def _visit_in(grid) -> Visit:
    return VisitFactory(person=_person_in(grid))
