"""Import persons with their houses (人房关系), households (户) and tags from a ledger: parse, plan, apply.

Plan first (read-only: parse, validate, resolve, compare with what is stored), then, at commit, write everything
in bulk inside the caller's transaction. The natural key is the ID number's blind index, so importing the same
file twice finds every person unchanged the second time.

Three steps, one module each: ``parse`` reads each row into typed values (errors by row and column), ``plan``
decides per row against the database without writing (a dry run stops here), ``apply`` writes through
``people.bulk`` (the register owns how its rows are written).
"""

import gc
import time
from collections import defaultdict

from linli.core.scoping import max_tag_sensitivity
from linli.core.tabular import Table
from linli.dataio import cells
from linli.dataio.columns import PERSONS
from linli.dataio.importers.base import CHUNK, Context, Report, path_checker
from linli.dataio.importers.persons.apply import PersonApplier
from linli.dataio.importers.persons.parse import PersonParser, Row, log
from linli.dataio.importers.persons.plan import PersonPlanner
from linli.people.models import Tag

__all__ = ["PersonsImporter"]


class PersonsImporter(PersonParser, PersonPlanner, PersonApplier):
    spec = PERSONS
    model = "people.Person"

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.report = Report()
        self.can_change = path_checker(ctx.user, "person.change")
        self.max_sensitivity = 3 if ctx.user is None else max_tag_sensitivity(ctx.user)
        self.tags_by_name: dict[str, list[Tag]] = defaultdict(list)
        for tag in Tag.objects.all():
            self.tags_by_name[cells.compact(tag.name)].append(tag)
        self.grids = None

    # --- helpers ----------------------------------------------------------------------------------------

    def column(self, key: str) -> str:
        return self.headers.get(key) or self.spec.label(key)

    def error(self, row: int | None, key: str, message: str) -> None:
        self.report.error(row, self.column(key) if key else "", message)

    # --- the whole run ---------------------------------------------------------------------------------------

    def run(self, table: Table, *, batch_id: int | None = None) -> Report:
        # A large file keeps hundreds of thousands of objects alive for the whole run; the cyclic collector
        # would rescan them all again and again (at 100,000 rows the import got 3x slower per row). Rows are
        # acyclic, so collection pauses during the run and resumes, with one full pass, at the end.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run(table, batch_id=batch_id)
        finally:
            if enabled:
                gc.enable()

    def _run(self, table: Table, *, batch_id: int | None = None) -> Report:
        self.headers = table.headers
        report = self.report
        rows: list[Row] = []
        first: dict[str, Row] = {}
        total = table.estimated_rows or 1
        for number, values in table.rows:
            if not values:
                continue
            report.rows += 1
            row = self.parse_row(number, values)
            if report.rows % CHUNK == 0:
                self.ctx.progress(report.rows // 2, total)
            if not row.hash:
                rows.append(row)
                continue
            prior = first.get(row.hash)
            if prior is None:
                first[row.hash] = row
                rows.append(row)
                continue
            self._merge_duplicate(prior, row)
        self.ctx.progress(report.rows // 2, report.rows or 1)
        self._refuse_enumeration(rows)
        log.info("persons import: %s rows parsed, peak %s MB", report.rows, _peak_mb())
        t0 = time.perf_counter()
        self._resolve(rows)
        t1 = time.perf_counter()
        if self.ctx.writes(report):
            self._apply(rows, batch_id)
        log.info(
            "persons import: %s rows, resolve %.1fs, write %.1fs, peak %s MB", report.rows, t1 - t0,
            time.perf_counter() - t1, _peak_mb(),
        )  # fmt: skip
        self.ctx.progress(report.rows, report.rows or 1)
        return report


def _peak_mb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
