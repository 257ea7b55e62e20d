"""Plan: decide for every parsed row, against the database and without writing, what the import will do.

Create or update the person (by the ID number's blind index), join or found a household (户), add residencies
(人房关系) and tags, or skip the row with a reason. Scope is checked here: a row outside the importer's regions is
an error, and a lookup outside them is recorded.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from linli.core import crypto
from linli.core.errors import DomainError
from linli.dataio.cells import CellError
from linli.dataio.importers.base import (
    CHUNK,
    HouseHit,
    HouseResolver,
    path_checker,
    prefix_q,
    scope_prefixes,
    strip_label,
)
from linli.dataio.importers.persons.parse import LABELS, PERSONAL, R, Row
from linli.people.models import Household, Person, Residency, TagAssignment

# A file whose IDs crowd into one (first two, last two) pair is enumerating candidates: see _refuse_enumeration.
ENUMERATION_MIN = 20
ENUMERATION_SHARE = 0.05


@dataclass
class Group:
    key: tuple
    rows: list = field(default_factory=list)
    head: Row | None = None
    head_hash: str = ""
    head_pk: int | None = None
    house: HouseHit | None = None
    number: str = ""
    obj: Household | None = None


class PersonPlanner:
    """Pass 2 of the persons import: ``_resolve`` fills each ``Row``'s decisions (``existing``, ``changes``,
    ``household``, ``new_residencies``, ``new_tags``) and the planned houses."""

    # --- pass 2: against the database ------------------------------------------------------------------------

    def _resolve(self, rows: list[Row]) -> None:
        ctx, report = self.ctx, self.report
        refs = [r.ref for r in rows if r.ref] + [m.ref for r in rows for m in r.more_houses if m.ref]
        resolver = HouseResolver(ctx, refs) if refs else None
        self.resolver = resolver
        for row in rows:
            for target in [row, *row.more_houses]:
                if target.ref is None or resolver is None:
                    continue
                try:
                    target.house = resolver.resolve(target.ref, grid=target.grid or row.grid)
                except CellError as exc:
                    self.error(target.number, "address" if "address" in self.headers else "building", exc.message)
                    row.ok = False
        hashes = [r.hash for r in rows if r.hash]
        heads = {r.householder_hash for r in rows if r.householder_hash} - set(hashes)
        existing = self._existing(hashes + sorted(heads))
        current_res, current_tags = self._current_links([e["pk"] for e in existing.values()])
        can_import = path_checker(ctx.user, ctx.action)
        for row in rows:
            if row.data is None:
                continue
            ex = existing.get(row.hash)
            row.existing = ex
            kind_default = row.residency_kind or (
                Residency.Kind.FAMILY if row.relation and row.relation != R.SELF else Residency.Kind.OWNER
            )
            if ex is None:
                if row.house is not None:
                    row.region_id, row.region_path = row.house.region_id, row.house.region_path
                elif row.grid is not None:
                    row.region_id, row.region_path = row.grid.pk, row.grid.path
                if row.region_path and not can_import(row.region_path):
                    self.error(row.number, "grid", "不在您的管辖范围内")
                    row.ok = False
                for target in [row, *row.more_houses]:
                    if target.house is not None:
                        row.new_residencies += (
                            (target.house, target.residency_kind or kind_default, target.start or row.start),
                        )
                row.new_tags = tuple(dict.fromkeys(row.tags))
                for tag in row.new_tags:
                    if tag.requires_consent:
                        self.error(
                            row.number,
                            "tags",
                            f"“{tag.name}”需要本人（未满十四周岁由监护人）单独同意，新登记人员请先登记后补录同意书再设置",
                        )
                        row.ok = False
                continue
            # An existing person: compare what the row gives with what is stored.
            data = row.data
            for key in PERSONAL:
                if key not in row.provided:
                    continue
                if key == "phone":
                    if crypto.blind_index(data.phone, "phone") != ex["phone_hash"]:
                        row.changes += (key,)
                elif getattr(data, key) != ex[key]:
                    row.changes += (key,)
            homes = current_res.get(ex["pk"], set())
            for target in [row, *row.more_houses]:
                hit = target.house
                if hit is None:
                    continue
                kind = target.residency_kind or kind_default
                if hit.id is None or (hit.id, kind) not in homes:
                    row.new_residencies += ((hit, kind, target.start or row.start),)
            if row.new_residencies:
                row.changes += ("residency",)
            have = current_tags.get(ex["pk"], set())
            row.new_tags = tuple(t for t in dict.fromkeys(row.tags) if t.pk not in have)
            if row.new_tags:
                row.changes += ("tags",)
                for tag in row.new_tags:
                    if tag.requires_consent:
                        from linli.privacy.services import require_consent_for_tag

                        try:
                            require_consent_for_tag(
                                person=Person.objects.only("id_type", "id_number_enc").get(pk=ex["pk"]), tag=tag
                            )
                        except DomainError as exc:
                            self.error(row.number, "tags", strip_label(exc.message))
                            row.ok = False
        self._households(rows, existing)
        self._homeless(rows, can_import)
        self._record_lookups_outside_scope(rows)
        for row in rows:
            if row.data is None:
                continue
            ex = row.existing
            if ex is not None and row.changes and not self.can_change(ex["region_path"]):
                self.error(row.number, "id_number", "该人员已登记在您的管辖范围之外，需由原网格或上级办理迁入或修改")
                row.ok = False
        self._household_failures(rows)
        for row in rows:
            if row.data is None or not row.ok:
                continue
            ex = row.existing
            if ex is None:
                report.created += 1
            elif row.changes:
                report.updated += 1
                report.change(row.number, row.data.name, [LABELS[c] for c in dict.fromkeys(row.changes)])
            else:
                report.unchanged += 1
            report.details["residencies_created"] += len(row.new_residencies)
            report.details["tags_assigned"] += len(row.new_tags)
        if resolver is not None:
            report.details["houses_created"] = len(resolver.planned)
            report.details["buildings_created"] = len(resolver.planned_buildings)

    def _household_failures(self, rows: list[Row]) -> None:
        """Members of a new household whose householder row has a problem cannot go in without it.

        Matters when only valid rows are imported: the household is not created, so its members are problem
        rows too (they are in the problem-rows file, to come back with the fixed householder).
        """
        for row in rows:
            household = row.household
            if not row.ok or not isinstance(household, tuple) or household[0] != "new":
                continue
            head = household[1].head
            if head is not None and head is not row and not head.ok:
                self.error(row.number, "relation", f"户主（第 {head.number} 行）有问题，本行随该户一并暂不导入")
                row.ok = False
        # A registered householder joins a new household only if some member of it goes in.
        alive = {
            id(r.household[1]) for r in rows if r.ok and isinstance(r.household, tuple) and r.household[0] == "new"
        }
        self.extra_heads = [e for e in getattr(self, "extra_heads", []) if id(e.household[1]) in alive]
        if "households_created" in self.report.details:
            self.report.details["households_created"] = len(alive)

    def _homeless(self, rows: list[Row], can_import) -> None:
        """A new person with neither address nor grid lives where their household lives, or is a problem."""
        need = [
            r for r in rows if r.data is not None and r.existing is None and r.house is None and r.grid is None and r.ok
        ]
        wanted = {r.household[1] for r in need if isinstance(r.household, tuple) and r.household[0] == "existing"}
        homes = {}
        if wanted:
            for h in Household.objects.filter(pk__in=wanted, house__isnull=False).values(
                "pk", "house_id", "house__region_path", "house__household_unit_id", "house__building__grid_id"
            ):
                homes[h["pk"]] = HouseHit(
                    h["house_id"],
                    h["house__region_path"],
                    h["house__household_unit_id"] or h["house__building__grid_id"],
                    "",
                )
        for row in need:
            hit = None
            if isinstance(row.household, tuple):
                hit = homes.get(row.household[1]) if row.household[0] == "existing" else row.household[1].house
            if hit is None:
                if row.ref is None:
                    self.error(
                        row.number,
                        "address" if "address" in self.headers else "building",
                        "新登记人员需填写住址（小区/楼栋/单元/房号）或“网格”",
                    )
                row.ok = False
                continue
            if not can_import(hit.region_path):
                self.error(row.number, "householder_id", "该户不在您的管辖范围内")
                row.ok = False
                continue
            row.house = hit
            row.region_id, row.region_path = hit.region_id, hit.region_path
            row.new_residencies += ((hit, row.residency_kind or Residency.Kind.FAMILY, row.start),)

    def _refuse_enumeration(self, rows: list[Row]) -> None:
        """Refuse a file that looks like candidates for one masked ID number, before anything is looked up.

        The masks show an ID's first two and last two characters, so every candidate for one masked number
        shares them; a dry run would then name the one registered elsewhere. Real ledgers spread over ~110
        endings (the last two characters), so more than ENUMERATION_MIN rows, and more than ENUMERATION_SHARE of
        the file, sharing both ends cannot be people: the file is refused and the attempt recorded.
        """
        ends = Counter(
            (r.data.id_number[:2], r.data.id_number[-2:])
            for r in rows
            if r.data is not None and r.data.id_type == Person.IdType.RESIDENT_ID and len(r.data.id_number) == 18
        )
        if not ends:
            return
        (first, last), count = ends.most_common(1)[0]
        if count <= max(ENUMERATION_MIN, ENUMERATION_SHARE * len(rows)):
            return
        user = self.ctx.user
        if user is not None:
            from linli.core import context
            from linli.core.models import AuditLog

            AuditLog.objects.create(
                actor=user, actor_name=str(user), action=AuditLog.Action.SEARCH, target_repr="（疑似逐个试号的导入）",
                field="身份证号", result="denied", ip=context.current().get("ip"),
                extra={"via": "import", "batch": self.ctx.batch_id, "rows": count, "mask": f"{first}**{last}"},
            )  # fmt: skip
        raise DomainError(
            f"文件：有 {count} 行的身份证号前两位和末两位完全相同（{first}**************{last}），不像真实的人员台账，"
            "像是在逐个核对号码，本文件不予导入，此次操作已记入访问记录。如确属真实台账，请联系社区工作人员。",
            field="file",
        )

    def _record_lookups_outside_scope(self, rows: list[Row]) -> None:
        """A dry run tells whether each number in the file is registered outside the importer's scope, so each
        such hit is an exact lookup: one access-log row per person (``search``, ``via: import``, keyed hash only,
        the person as target, so the person-centred audit shows it). Recorded once, at validation; it counts
        towards the user's exact-lookup limit for searches but never blocks the import (docs/security.md)."""
        user = self.ctx.user
        if user is None or self.ctx.commit:
            return
        from linli.core.models import AuditLog
        from linli.core.scoping import restrict

        pks = {r.existing["pk"]: r.existing["id_number_hash"] for r in rows if r.existing is not None}
        if not pks:
            return
        ids_, visible = list(pks), set()
        for start in range(0, len(ids_), CHUNK):
            chunk = Person.objects.filter(pk__in=ids_[start : start + CHUNK])
            visible.update(restrict(user, "person.view", chunk).values_list("pk", flat=True))
        outside = [(pk, digest) for pk, digest in pks.items() if pk not in visible]
        if not outside:
            return
        from django.contrib.contenttypes.models import ContentType

        from linli.core import context

        ct, ip = ContentType.objects.get_for_model(Person), context.current().get("ip")
        AuditLog.objects.bulk_create(
            [
                AuditLog(actor=user, actor_name=str(user), action=AuditLog.Action.SEARCH, target_type=ct,
                         target_id=str(pk), target_repr="（范围外人员）", field="身份证号", result="ok", ip=ip,
                         extra={"hash": digest, "kind": "id_number", "via": "import", "batch": self.ctx.batch_id})
                for pk, digest in outside
            ],
            batch_size=500,
        )  # fmt: skip

    def _existing(self, hashes: list[str]) -> dict[str, dict]:
        """The stored persons the file names, by blind index: what the plan compares and decides with.

        A re-import holds one of these per row, so only what the plan reads is kept (the ID's ciphertext is
        read again for the rare tag that needs consent) and the repeated short texts — region path, ethnicity,
        relation, types — are shared instead of one copy per person (50 MB less at 100,000 rows).
        """
        out = {}
        shared: dict[str, str] = {}
        fields = ["pk", "region_path", "name", "id_type", "phone_hash", "ethnicity", "hukou_address", "person_type",
                  "political_status", "workplace", "notes", "household_id", "relation", "id_number_hash"]  # fmt: skip
        repeated = ("region_path", "id_type", "ethnicity", "hukou_address", "person_type", "political_status",
                    "workplace", "relation")  # fmt: skip
        for start in range(0, len(hashes), CHUNK):
            for p in Person.objects.filter(id_number_hash__in=hashes[start : start + CHUNK]).values(*fields):
                for key in repeated:
                    value = p[key]
                    p[key] = shared.setdefault(value, value)
                out[p["id_number_hash"]] = p
        return out

    def _current_links(self, ids: list[int]) -> tuple[dict, dict]:
        homes: dict[int, set] = defaultdict(set)
        tags: dict[int, set] = defaultdict(set)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for r in Residency.objects.filter(person_id__in=chunk, end__isnull=True).values(
                "person_id", "house_id", "kind"
            ):
                homes[r["person_id"]].add((r["house_id"], r["kind"]))
            for t in TagAssignment.objects.filter(person_id__in=chunk).values("person_id", "tag_id"):
                tags[t["person_id"]].add(t["tag_id"])
        return homes, tags

    def _households(self, rows: list[Row], existing: dict[str, dict]) -> None:
        groups: dict[tuple, Group] = {}
        last_head: Row | None = None
        for row in rows:
            if row.data is None:
                if row.relation == R.SELF:
                    last_head = row  # a householder row with problems: its members wait for it
                continue
            rel = row.relation
            if row.householder_hash and row.householder_hash == row.hash:
                rel = rel or R.SELF
            if row.household_number:
                key = ("no", row.household_number)
            elif row.householder_hash:
                key = ("head", row.householder_hash)
            elif rel == R.SELF:
                key = ("head", row.hash)
            elif rel:
                same_place = last_head is not None and (
                    row.ref is None or last_head.ref is None or row.ref == last_head.ref
                )
                if same_place and last_head.data is None:
                    self.error(
                        row.number, "relation", f"户主（第 {last_head.number} 行）有问题，本行随该户一并暂不导入"
                    )
                    row.ok = False
                    continue
                if same_place:
                    key = last_head.household[1].key if isinstance(last_head.household, tuple) else None
                    if key is None:
                        continue
                elif row.house is not None and row.house.id is not None:
                    # 以房找人: no householder in the file, but the address may have one registered household.
                    key = ("house", row.house.id)
                elif row.ref is not None:
                    row.ok = False  # the address itself is the problem, already reported
                    continue
                else:
                    self.error(
                        row.number,
                        "relation",
                        "填写了与户主关系，但没有户主身份证号、户号或住址，上方也没有同一住址的户主行",
                    )
                    row.ok = False
                    continue
            else:
                continue
            group = groups.setdefault(key, Group(key=key, number=key[1] if key[0] == "no" else ""))
            group.rows.append(row)
            row.household = ("group", group)
            row.household_relation = rel or R.OTHER
            if rel == R.SELF:
                if group.head is not None and group.head is not row:
                    self.error(row.number, "relation", f"同一户已有户主（第 {group.head.number} 行）")
                    row.ok = False
                else:
                    group.head = row
                last_head = row
        if not groups:
            return
        numbers = [g.number for g in groups.values() if g.number]
        prefixes = scope_prefixes(self.ctx.user, "household.view")
        by_number: dict[str, list[int]] = defaultdict(list)
        for start in range(0, len(numbers), CHUNK):
            qs = Household.objects.filter(number__in=numbers[start : start + CHUNK])
            if prefixes is not None:
                qs = qs.filter(prefix_q(prefixes))
            for h in qs.values("pk", "number"):
                by_number[h["number"]].append(h["pk"])
        head_pks = []
        for group in groups.values():
            group.head_hash = group.head.hash if group.head else (group.key[1] if group.key[0] == "head" else "")
            ex = existing.get(group.head_hash)
            group.head_pk = ex["pk"] if ex else None
            if group.head_pk:
                head_pks.append(group.head_pk)
        by_house: dict[int, list[dict]] = defaultdict(list)
        house_ids = [g.key[1] for g in groups.values() if g.key[0] == "house"]
        for start in range(0, len(house_ids), CHUNK):
            qs = Household.objects.filter(house_id__in=house_ids[start : start + CHUNK])
            if prefixes is not None:
                qs = qs.filter(prefix_q(prefixes))
            for h in qs.order_by("pk").values("pk", "house_id", "number", "householder__name"):
                by_house[h["house_id"]].append(h)
        by_head: dict[int, int] = {}
        for start in range(0, len(head_pks), CHUNK):
            for h in Household.objects.filter(householder_id__in=head_pks[start : start + CHUNK]).values(
                "pk", "householder_id"
            ):
                by_head.setdefault(h["householder_id"], h["pk"])
        created = 0
        for group in groups.values():
            target = None
            if group.number and by_number.get(group.number):
                if len(by_number[group.number]) > 1:
                    for row in group.rows:
                        self.error(row.number, "household_number", f"户号“{group.number}”对应多个户，请核对")
                        row.ok = False
                    continue
                target = ("existing", by_number[group.number][0])
            elif group.head_pk and group.head_pk in by_head:
                target = ("existing", by_head[group.head_pk])
            elif group.key[0] == "house":
                found = by_house.get(group.key[1], [])
                if len(found) != 1:
                    if found:
                        names = "、".join(
                            f"{h['householder__name'] or '未定户主'}户"
                            + (f"（户号 {h['number']}）" if h["number"] else "")
                            for h in found
                        )
                        message = f"该住址已登记 {len(found)} 户：{names}，请填写户主身份证号或户号，指明加入哪一户"
                    else:
                        message = "该住址还没有登记的户，本文件中也没有户主行；请加上户主行或填写户主身份证号"
                    for row in group.rows:
                        self.error(row.number, "relation", message)
                        row.ok = False
                    continue
                target = ("existing", found[0]["pk"])
            else:
                if group.head is None and group.head_pk is None:
                    for row in group.rows:
                        key = "householder_id" if row.householder_hash else "relation"
                        self.error(row.number, key, "户主未在本文件中，也未在系统中登记")
                        row.ok = False
                    continue
                house_rows = ([group.head] if group.head else []) + group.rows
                group.house = next((r.house for r in house_rows if r.house is not None), None)
                if group.house is None:
                    for row in group.rows:
                        self.error(row.number, "address" if "address" in self.headers else "building", "新建户需要住址")
                        row.ok = False
                    continue
                target = ("new", group)
                created += 1
                if group.head is None:
                    # The householder is registered already but not in this file: they join the new household.
                    ex = next(e for e in existing.values() if e["pk"] == group.head_pk)
                    extra = Row(number=group.rows[0].number, data=None, provided=frozenset(), hash=group.head_hash)
                    extra.existing = ex
                    extra.household = target
                    extra.household_relation = R.SELF
                    self.extra_heads = getattr(self, "extra_heads", []) + [extra]
            for row in group.rows:
                row.household = target
                ex = row.existing
                if ex is None:
                    continue
                if target[0] == "new" or ex["household_id"] != target[1] or ex["relation"] != row.household_relation:
                    row.changes += ("household",)
        self.report.details["households_created"] = created
