"""Test factories for the import ledger."""

import factory

from linli.core.factories import RegionFactory, UserFactory, places
from linli.dataio.models import ImportBatch


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


@places("dataio.ImportBatch")
def _importbatch_in(grid) -> ImportBatch:
    return ImportBatchFactory(region=grid)
