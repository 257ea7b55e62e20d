"""Test factories for the import ledger and the privacy records (correction requests, consent records).

The privacy records are moving to ``linli.privacy``; their factories move with them (keep the ``@places`` labels
in step with the models' labels).
"""

import factory

from linli.core.factories import RegionFactory, UserFactory, places
from linli.dataio.models import ConsentPurpose, ConsentRecord, ConsentText, CorrectionRequest, ImportBatch
from linli.people.factories import PersonFactory


class ImportBatchFactory(factory.django.DjangoModelFactory):
    """A batch waiting in ``region`` (the narrowest region of its importer)."""

    class Meta:
        model = ImportBatch

    kind = ImportBatch.Kind.PERSONS
    actor = factory.SubFactory(UserFactory)
    actor_name = factory.LazyAttribute(lambda o: o.actor.username)
    region = factory.SubFactory(RegionFactory, level="grid")
    region_path = factory.LazyAttribute(lambda o: o.region.path)
    file_name = factory.Sequence(lambda n: f"人口台账{n}.xlsx")
    file_sha256 = factory.Sequence(lambda n: f"{n:064x}")


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


@places("dataio.ImportBatch")
def _importbatch_in(grid) -> ImportBatch:
    return ImportBatchFactory(region=grid)


@places("dataio.CorrectionRequest")
def _correction_in(grid) -> CorrectionRequest:
    return CorrectionRequestFactory(person=PersonFactory(house__building__grid=grid))


@places("dataio.ConsentRecord")
def _consent_in(grid) -> ConsentRecord:
    return ConsentRecordFactory(person=PersonFactory(house__building__grid=grid))
