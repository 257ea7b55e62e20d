"""Apply: write the plan. Houses to create are written by the house resolver; the register (persons,
households, residencies, tags, with their change-log rows) by ``people.bulk.write_register``; then the trace
that lets the batch be rolled back.
"""

import time

from linli.core.models import ObjectChange
from linli.dataio.importers.base import (
    HouseHit,
    Traces,
)
from linli.dataio.importers.persons.parse import Row, log
from linli.people.bulk import NewHousehold, NewResidency, PersonPlan, RegisterPlan, write_register


class PersonApplier:
    def _apply(self, rows: list[Row], batch_id: int | None) -> None:
        """Write the plan: new houses here (housing), then the register through ``people.bulk``, then the trace."""
        ctx, report = self.ctx, self.report
        traces = Traces()
        changes: list[ObjectChange] = []
        house_map = self.resolver.create_planned(traces, changes) if self.resolver is not None else {}
        extra_heads = getattr(self, "extra_heads", [])
        # A stored person the row leaves as it is has nothing to write (a re-import's every row: 100 MB of plans).
        good = [r for r in rows if r.ok and r.data is not None and (r.existing is None or r.changes)]
        total = len(good) or 1

        def house_of(hit: HouseHit):
            return house_map[hit.planned_key] if hit.planned_key else None

        def region_for(hit: HouseHit) -> tuple[int, str]:
            house = house_of(hit)
            if house is not None:
                return house.household_unit_id or house.building.grid_id, house.region_path
            return hit.region_id, hit.region_path

        # New households, in the order their first member appears.
        households: dict[int, NewHousehold] = {}
        for row in good + extra_heads:
            if (
                isinstance(row.household, tuple)
                and row.household[0] == "new"
                and id(row.household[1]) not in households
            ):
                group = row.household[1]
                house = house_of(group.house)
                head = group.head
                households[id(group)] = NewHousehold(
                    number=group.number,
                    house_id=house.pk if house is not None else group.house.id,
                    region_path=region_for(group.house)[1],
                    head_key=head.hash if head is not None else group.head_hash,
                    head_name=head.data.name if head is not None and head.data is not None else "",
                    house_label=group.house.label or str(house),
                )

        def household_of(row: Row):
            if not isinstance(row.household, tuple) or row.household[0] not in ("new", "existing"):
                return None
            return households[id(row.household[1])] if row.household[0] == "new" else row.household[1]

        persons = []
        for row in good + extra_heads:
            residencies = []
            for hit, kind, start in row.new_residencies:
                house = house_of(hit)
                region_id, region_path = region_for(hit)
                residencies.append(
                    NewResidency(
                        house_id=house.pk if house is not None else hit.id,
                        kind=kind,
                        start=start,
                        region_id=region_id,
                        region_path=region_path,
                    )
                )
            region_id, region_path = row.region_id, row.region_path
            if row.existing is None and residencies:  # a new person lives where their (first) house is
                region_id, region_path = residencies[0].region_id, residencies[0].region_path
            persons.append(
                PersonPlan(
                    key=row.hash,
                    data=row.data,
                    existing_pk=row.existing["pk"] if row.existing is not None else None,
                    region_id=region_id,
                    region_path=region_path,
                    changes=row.changes,
                    household_set=row.household is not None and ("household" in row.changes or row.data is None),
                    household=household_of(row),
                    relation=row.household_relation,
                    residencies=residencies,
                    tags=row.new_tags,
                    tag_path=region_path or (row.existing or {}).get("region_path", ""),
                )
            )

        def progress(done: int) -> None:
            ctx.progress(report.rows // 2 + done * report.rows // (2 * total), report.rows)

        written = write_register(
            RegisterPlan(persons=persons, households=list(households.values())),
            actor=ctx.user,
            request_id=ctx.request_id,
            changes=changes,
            progress=progress,
        )
        traces.add("people.Person", "create", written.created_ids, prints=["1"] * len(written.created_ids))
        traces.add("people.Person", "update", written.updated_ids, written.before)
        traces.add("people.Residency", "create", written.residency_ids, prints=written.residency_prints)
        traces.add("people.TagAssignment", "create", written.assignment_ids, prints=written.assignment_prints)
        traces.add("people.Household", "create", written.household_ids, prints=written.household_prints)
        if batch_id:
            t0 = time.perf_counter()
            traces.save(batch_id)
            log.info("persons import: traces saved, %.1fs", time.perf_counter() - t0)
