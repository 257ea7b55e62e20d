"""One importer per kind; each plans read-only and writes only when ``ctx.commit`` is on."""

from linli.dataio.importers.others import EntitiesImporter, HousesImporter, PlacesImporter
from linli.dataio.importers.persons import PersonsImporter

IMPORTERS = {
    "persons": (PersonsImporter, "person.import"),
    "houses": (HousesImporter, "house.import"),
    "entities": (EntitiesImporter, "entity.import"),
    "places": (PlacesImporter, "place.import"),
}
