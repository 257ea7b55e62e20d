"""Test factories for the privacy records: correction requests and consent records."""

import factory

from linli.core.factories import UserFactory, places
from linli.people.factories import PersonFactory
from linli.privacy.models import ConsentPurpose, ConsentRecord, ConsentText, CorrectionRequest


class CorrectionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectionRequest

    person = factory.SubFactory(PersonFactory)
    region_path = factory.LazyAttribute(lambda o: o.person.region.path)
    requested_by = factory.SubFactory(UserFactory)
    field = CorrectionRequest.Field.OTHER
    requested = "工作单位有误"
    reason = "已换工作"


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentText
        django_get_or_create = ("purpose", "version")

    purpose = ConsentPurpose.HEALTH
    version = "v1"
    title = "健康信息处理同意书"
    body = "本人同意社区为提供关爱服务处理本人的健康信息。"


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    person = factory.SubFactory(PersonFactory)
    region_path = factory.LazyAttribute(lambda o: o.person.region.path)
    purpose = ConsentPurpose.HEALTH
    text = factory.SubFactory(ConsentTextFactory, purpose=factory.SelfAttribute("..purpose"))
    version = factory.LazyAttribute(lambda o: o.text.version)
    granted = True
    evidence = "纸质同意书 001 号"


@places("privacy.CorrectionRequest")
def _correction_in(grid) -> CorrectionRequest:
    return CorrectionRequestFactory(person=PersonFactory(house__building__grid=grid))


@places("privacy.ConsentRecord")
def _consent_in(grid) -> ConsentRecord:
    return ConsentRecordFactory(person=PersonFactory(house__building__grid=grid))
