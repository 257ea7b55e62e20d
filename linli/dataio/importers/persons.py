"""Import persons with their houses (人房关系), households (户) and tags from a ledger.

Plan first (read-only: parse, validate, resolve, compare with what is stored), then, at commit, write everything
in bulk inside the caller's transaction. The natural key is the ID number's blind index, so importing the same
file twice finds every person unchanged the second time.
"""

import datetime as dt
import gc
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from linli.core import bulk, crypto
from linli.core.errors import DomainError
from linli.core.identity import id_birth_date, id_sex, parse_id_number
from linli.core.models import ObjectChange, Region
from linli.core.scoping import max_tag_sensitivity
from linli.core.tabular import Table
from linli.dataio import cells
from linli.dataio.cells import CellError
from linli.dataio.columns import PERSONS
from linli.dataio.importers.base import (
    CHUNK,
    AddressRef,
    Context,
    HouseHit,
    HouseResolver,
    RegionResolver,
    Report,
    Traces,
    address_from_row,
    change_rows,
    path_checker,
    prefix_q,
    scope_prefixes,
    snapshot,
    strip_label,
)
from linli.people.models import Household, Person, Residency, Tag, TagAssignment
from linli.people.services import apply_person_data, clean_person_data, id_hash, name_pinyin, set_phone

R = Person.Relation
log = logging.getLogger("linli.dataio.import")
RELATIONS = {
    R.SELF: "户主 本人",
    R.SPOUSE: "配偶 妻 妻子 夫 丈夫 爱人",
    R.CHILD: "子女 子 女 儿子 女儿 长子 次子 三子 长女 次女 三女 独生子 独生女 养子 养女 继子 继女",
    R.PARENT: "父母 父亲 母亲 父 母 公公 婆婆 岳父 岳母",
    R.GRANDPARENT: "祖父母/外祖父母 祖父母 外祖父母 祖父 祖母 外祖父 外祖母 爷爷 奶奶 外公 外婆",
    R.GRANDCHILD: "孙子女/外孙子女 孙子女 孙子 孙女 外孙 外孙女 外孙子",
    R.SIBLING: "兄弟姐妹 兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹",
    R.IN_LAW: "儿媳/女婿 儿媳 女婿 媳妇 儿媳妇",
    R.OTHER: "其他 其它 亲属 非亲属 保姆 其他亲属",
}
RELATION_LOOKUP = {word: code for code, words in RELATIONS.items() for word in words.split()}
RESIDENCY_LOOKUP = {
    **{w: Residency.Kind.OWNER for w in "业主 产权人 房主 所有权人 自有 自住 房东".split()},
    **{w: Residency.Kind.TENANT for w in "租户 承租人 租客 出租 租住 租赁 承租".split()},
    **{w: Residency.Kind.FAMILY for w in "家属 亲属 同住 家庭成员 共同居住 共居".split()},
    **{w: Residency.Kind.OTHER for w in "其他 其它 借住 寄住".split()},
}
POLITICAL_LOOKUP = {
    **{w: Person.Political.CPC for w in "中共党员 党员 共产党员 中国共产党党员".split()},
    **{w: Person.Political.CPC_PROBATION for w in "中共预备党员 预备党员".split()},
    **{w: Person.Political.CYL for w in "共青团员 团员".split()},
    **{
        w: Person.Political.DEMOCRATIC
        for w in "民主党派 各民主党派 民革 民盟 民建 民进 农工党 致公党 九三学社 台盟".split()
    },
    **{w: Person.Political.NONE for w in "群众 无党派 无党派人士 无 普通群众".split()},
}
PERSON_TYPE_LOOKUP = {
    **{w: Person.PersonType.REGISTERED for w in "户籍 户籍人口 本地户籍 户籍人员 本地".split()},
    **{w: Person.PersonType.RESIDENT for w in "常住 常住人口 常住人员".split()},
    **{w: Person.PersonType.FLOATING for w in "流动 流动人口 流动人员 外来人口 暂住 暂住人口 外来".split()},
    **{w: Person.PersonType.OVERSEAS for w in "境外 境外人员 外籍 外籍人员 境外人口".split()},
}
ID_TYPE_LOOKUP = {
    **{w: Person.IdType.RESIDENT_ID for w in "身份证 居民身份证 身份证号 二代身份证".split()},
    **{w: Person.IdType.PASSPORT for w in "护照 外国护照".split()},
    **{
        w: Person.IdType.HKMO_TW
        for w in "港澳台居民证件 港澳台 港澳居民居住证 台湾居民居住证 回乡证 台胞证 港澳通行证".split()
    },
    **{w: Person.IdType.OTHER for w in "其他 其他证件".split()},
}
SEX_LOOKUP = {"男": "M", "男性": "M", "M": "M", "1": "M", "女": "F", "女性": "F", "F": "F", "2": "F"}

# clean_person_data's field names → our column keys.
FIELD_COLUMN = {
    "name": "name", "id_number": "id_number", "id_type": "id_type", "phone": "phone", "ethnicity": "ethnicity",
    "person_type": "person_type", "political_status": "political_status",
}  # fmt: skip
PERSONAL = ("name", "phone", "ethnicity", "hukou_address", "person_type", "political_status", "workplace", "notes")
LABELS = {
    "name": "姓名", "phone": "联系电话", "ethnicity": "民族", "hukou_address": "户籍地", "person_type": "人员类型",
    "political_status": "政治面貌", "workplace": "工作单位", "notes": "备注", "household": "户/与户主关系",
    "residency": "人房关系", "tags": "标签",
}  # fmt: skip
RESTORE_FIELDS = [
    "name", "name_pinyin", "name_initials", "phone_enc", "phone_hash", "phone_last4", "phone_masked", "ethnicity",
    "hukou_address", "person_type", "political_status", "workplace", "notes", "household_id", "relation", "region_id",
    "region_path", "version",
]  # fmt: skip


# A file whose IDs crowd into one (first two, last two) pair is enumerating candidates: see _refuse_enumeration.
ENUMERATION_MIN = 20
ENUMERATION_SHARE = 0.05


@dataclass(slots=True)
class Row:
    number: int
    data: object  # PersonData
    provided: frozenset
    hash: str
    relation: str = ""
    householder_hash: str = ""
    household_number: str = ""
    residency_kind: str = ""
    ref: AddressRef | None = None
    grid: Region | None = None
    start: dt.date | None = None
    tags: list = field(default_factory=list)
    house: HouseHit | None = None
    more_houses: list = field(default_factory=list)  # the same person on further rows, at other houses
    existing: dict | None = None
    changes: list = field(default_factory=list)
    new_residencies: list = field(default_factory=list)  # [(HouseHit, kind, start)]
    new_tags: list = field(default_factory=list)
    household: object = None  # ("existing", id) or ("new", Group)
    household_relation: str = ""
    region_id: int | None = None
    region_path: str = ""
    ok: bool = True


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


class PersonsImporter:
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

    def _lookup(self, number: int, key: str, value, table: dict, hint: str) -> str:
        raw = cells.compact(value)
        if raw in table:
            return table[raw]
        self.error(number, key, f"“{raw}”无法识别，可填 {hint}")
        return ""

    # --- pass 1: every row on its own -------------------------------------------------------------------

    def parse_row(self, number: int, values: dict) -> Row | None:
        before = self.report.error_count
        id_type = Person.IdType.RESIDENT_ID
        if "id_type" in values:
            id_type = (
                self._lookup(
                    number, "id_type", values["id_type"], ID_TYPE_LOOKUP, "居民身份证/护照/港澳台居民证件/其他"
                )
                or id_type
            )
        raw_id = ""
        try:
            raw_id = cells.id_number(values.get("id_number"))
        except CellError as exc:
            self.error(number, "id_number", exc.message)
        provided = frozenset(k for k in PERSONAL if k in values)
        kwargs = {
            "name": cells.compact(values.get("name")),
            "id_number": raw_id or "0",
            "id_type": id_type,
            "phone": cells.phone(values.get("phone")) if "phone" in values else "",
            "ethnicity": cells.compact(values.get("ethnicity")),
            "hukou_address": cells.text(values.get("hukou_address")),
            "workplace": cells.text(values.get("workplace")),
            "notes": cells.text(values.get("notes")),
        }
        if "person_type" in values:
            kwargs["person_type"] = PERSON_TYPE_LOOKUP.get(cells.compact(values["person_type"]), values["person_type"])
        if "political_status" in values:
            raw = cells.compact(values["political_status"])
            kwargs["political_status"] = POLITICAL_LOOKUP.get(raw, raw)
        data = None
        try:
            data = clean_person_data(**kwargs)
        except DomainError as exc:
            for fld, message in exc.errors:
                if fld == "id_number" and not raw_id:
                    continue  # already reported by the cell reader
                self.error(number, FIELD_COLUMN.get(fld, fld), strip_label(message))
        if data is not None and data.id_type == Person.IdType.RESIDENT_ID:
            if "sex" in values:
                sex = SEX_LOOKUP.get(cells.compact(values["sex"]).upper())
                if sex is None:
                    self.error(number, "sex", f"“{cells.compact(values['sex'])}”无法识别，应为 男/女")
                elif sex != id_sex(data.id_number):
                    actual = "男" if id_sex(data.id_number) == "M" else "女"
                    self.error(
                        number, "sex", f"填写为“{cells.compact(values['sex'])}”，但身份证号显示为{actual}，请核对"
                    )
            if "birth_date" in values:
                try:
                    birth = cells.date(values["birth_date"])
                except CellError as exc:
                    self.error(number, "birth_date", exc.message)
                else:
                    if birth != id_birth_date(data.id_number):
                        self.error(
                            number,
                            "birth_date",
                            f"{birth:%Y-%m-%d} 与身份证号中的出生日期 {id_birth_date(data.id_number):%Y-%m-%d} 不一致",
                        )
        row = Row(number=number, data=data, provided=provided, hash="")
        if "relation" in values:
            row.relation = self._lookup(
                number, "relation", values["relation"], RELATION_LOOKUP, "户主/配偶/子女/父母/…/其他"
            )
        if "residency_kind" in values:
            row.residency_kind = self._lookup(
                number, "residency_kind", values["residency_kind"], RESIDENCY_LOOKUP, "业主/租户/家属/其他"
            )
        if "householder_id" in values:
            try:
                number_text = parse_id_number(cells.id_number(values["householder_id"]), field="户主身份证号")
                row.householder_hash = id_hash(Person.IdType.RESIDENT_ID, number_text)
            except (CellError, DomainError) as exc:
                self.error(number, "householder_id", strip_label(exc.message))
        if "household_number" in values:
            row.household_number = cells.compact(values["household_number"])[:32]
        if "start" in values:
            try:
                row.start = cells.date(values["start"])
                if row.start > timezone.localdate():
                    self.error(number, "start", f"{row.start:%Y-%m-%d} 晚于今天")
            except CellError as exc:
                self.error(number, "start", exc.message)
        if "tags" in values:
            for name in cells.split_list(values["tags"]):
                found = self.tags_by_name.get(cells.compact(name), [])
                if not found:
                    self.error(number, "tags", f"没有名为“{name}”的标签")
                elif len(found) > 1:
                    self.error(number, "tags", f"有多个名为“{name}”的标签，请联系管理员")
                elif found[0].sensitivity > self.max_sensitivity:
                    self.error(number, "tags", f"您无权设置“{name}”")
                else:
                    row.tags.append(found[0])
        try:
            row.ref = address_from_row(values)
        except CellError as exc:
            self.error(number, "address" if "address" in values else "building", exc.message)
        if "grid" in values:
            if self.grids is None:
                self.grids = RegionResolver(self.ctx.user, self.ctx.action)
            try:
                row.grid = self.grids.resolve(values["grid"])
            except CellError as exc:
                self.error(number, "grid", exc.message)
        if data is None or self.report.error_count > before:
            row.ok = False
        if data is not None:
            row.hash = id_hash(data.id_type, data.id_number)
        return row

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

    def _merge_duplicate(self, prior: Row, row: Row) -> None:
        """The same ID twice: fine for a second house; an error when the person's details disagree."""
        if prior.data is None or row.data is None:
            return
        differ = [
            LABELS[k]
            for k in PERSONAL
            if k in row.provided and k in prior.provided and getattr(row.data, k) != getattr(prior.data, k)
        ]
        if differ:
            self.error(row.number, "id_number", f"与第 {prior.number} 行是同一证件号码，但{'、'.join(differ)}不一致")
            prior.ok = False
            return
        if row.ref is not None and row.ref != prior.ref:
            prior.more_houses.append(row)
            return
        self.report.warning(row.number, self.column("id_number"), f"与第 {prior.number} 行重复，已忽略")

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
                        row.new_residencies.append(
                            (target.house, target.residency_kind or kind_default, target.start or row.start)
                        )
                row.new_tags = list(dict.fromkeys(row.tags))
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
                        row.changes.append(key)
                elif getattr(data, key) != ex[key]:
                    row.changes.append(key)
            homes = current_res.get(ex["pk"], set())
            for target in [row, *row.more_houses]:
                hit = target.house
                if hit is None:
                    continue
                kind = target.residency_kind or kind_default
                if hit.id is None or (hit.id, kind) not in homes:
                    row.new_residencies.append((hit, kind, target.start or row.start))
            if row.new_residencies:
                row.changes.append("residency")
            have = current_tags.get(ex["pk"], set())
            row.new_tags = [t for t in dict.fromkeys(row.tags) if t.pk not in have]
            if row.new_tags:
                row.changes.append("tags")
                for tag in row.new_tags:
                    if tag.requires_consent:
                        from linli.dataio.services import require_consent_for_tag

                        try:
                            require_consent_for_tag(
                                person=Person(pk=ex["pk"], id_type=ex["id_type"], id_number_enc=ex["id_number_enc"]),
                                tag=tag,
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
            row.new_residencies.append((hit, row.residency_kind or Residency.Kind.FAMILY, row.start))

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
        out = {}
        fields = ["pk", "version", "region_id", "region_path", "name", "id_type", "phone_hash", "ethnicity",
                  "hukou_address", "person_type", "political_status", "workplace", "notes", "household_id",
                  "relation", "id_number_enc", "id_number_hash"]  # fmt: skip
        for start in range(0, len(hashes), CHUNK):
            for p in Person.objects.filter(id_number_hash__in=hashes[start : start + CHUNK]).values(*fields):
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
                    row.changes.append("household")
        self.report.details["households_created"] = created

    # --- commit ------------------------------------------------------------------------------------------------

    def _apply(self, rows: list[Row], batch_id: int | None) -> None:
        ctx, report = self.ctx, self.report
        actor = ctx.user
        traces = Traces()
        changes: list[ObjectChange] = []
        house_map = self.resolver.create_planned(traces, changes) if self.resolver is not None else {}
        extra_heads = getattr(self, "extra_heads", [])
        good = [r for r in rows if r.ok and r.data is not None]
        total = len(good) or 1

        def house_of(hit: HouseHit):
            return house_map[hit.planned_key] if hit.planned_key else None

        def region_for(hit: HouseHit) -> tuple[int, str]:
            house = house_of(hit)
            if house is not None:
                return house.household_unit_id or house.building.grid_id, house.region_path
            return hit.region_id, hit.region_path

        region_ids = {r.region_id for r in good if r.region_id}
        region_ids |= {region_for(hit)[0] for r in good for hit, _, _ in r.new_residencies}
        regions = Region.objects.in_bulk(region_ids)

        # Households to create: house now, householder once the persons exist.
        groups: list[Group] = []
        for row in good + extra_heads:
            if isinstance(row.household, tuple) and row.household[0] == "new" and row.household[1].obj is None:
                group = row.household[1]
                house = house_of(group.house)
                group.obj = Household(
                    number=group.number,
                    house_id=house.pk if house is not None else group.house.id,
                    region_path=region_for(group.house)[1],
                )
                groups.append(group)
        bulk.insert(Household, [g.obj for g in groups])
        household_labels: dict[int, str] = {}
        for group in groups:
            head = group.head.data.name if group.head is not None else ""
            household_labels[group.obj.pk] = f"{head or '未定户主'}户" + (f"（{group.number}）" if group.number else "")
        existing_hh = {
            r.household[1]
            for r in good + extra_heads
            if isinstance(r.household, tuple) and r.household[0] == "existing"
        }
        for h in Household.objects.filter(pk__in=existing_hh).select_related("householder"):
            household_labels[h.pk] = str(h)

        def household_id(row: Row):
            if not isinstance(row.household, tuple) or row.household[0] not in ("new", "existing"):
                return None
            return row.household[1].obj.pk if row.household[0] == "new" else row.household[1]

        def person_labels(person: Person) -> dict:
            return {
                "household": household_labels.get(person.household_id),
                "region": regions[person.region_id].name if person.region_id in regions else None,
                "user": None,
            }

        today = timezone.localdate()
        residency_ids: list[int] = []
        assignment_ids: list[int] = []
        residency_prints: list[str] = []
        assignment_prints: list[str] = []

        def write_links(chunk_rows: list[Row]) -> None:
            """Residencies and tags of a chunk of rows, and the chunk's change-log rows, written straight away."""
            residencies, assignments = [], []
            for row in chunk_rows:
                if row.data is None:
                    continue
                pk = hash_to_pk[row.hash]
                for hit, kind, start in row.new_residencies:
                    house = house_of(hit)
                    residencies.append(
                        Residency(
                            person_id=pk,
                            house_id=house.pk if house is not None else hit.id,
                            kind=kind,
                            start=start or today,
                            region_path=house.region_path if house is not None else hit.region_path,
                        )
                    )
                path = row.region_path or (row.existing or {}).get("region_path", "")
                for tag in row.new_tags:
                    assignments.append(
                        TagAssignment(
                            person_id=pk, tag=tag, region_path=path, added_by=actor if actor and actor.pk else None
                        )
                    )
            bulk.insert(Residency, residencies)
            bulk.insert(TagAssignment, assignments)
            residency_ids.extend(r.pk for r in residencies)
            residency_prints.extend(f"|{r.kind}|{r.house_id}" for r in residencies)
            assignment_ids.extend(a.pk for a in assignments)
            assignment_prints.extend(f"{a.tag_id}|{a.person_id}" for a in assignments)
            bulk.insert(ObjectChange, changes)
            changes.clear()

        # New persons, in chunks.
        t_start = time.perf_counter()
        hash_to_pk: dict[str, int] = {r.hash: r.existing["pk"] for r in good + extra_heads if r.existing is not None}
        created_ids: list[int] = []
        new_rows = [r for r in good if r.existing is None]
        for start in range(0, len(new_rows), CHUNK):
            chunk = new_rows[start : start + CHUNK]
            persons = []
            for row in chunk:
                if row.new_residencies:
                    row.region_id, row.region_path = region_for(row.new_residencies[0][0])
                person = Person(region_id=row.region_id, region_path=row.region_path, version=1)
                apply_person_data(person, row.data)
                person.household_id = household_id(row)
                person.relation = row.household_relation if person.household_id else ""
                persons.append(person)
            bulk.insert(Person, persons)
            for row, person in zip(chunk, persons, strict=True):
                hash_to_pk[row.hash] = person.pk
                created_ids.append(person.pk)
            changes.extend(
                change_rows(
                    actor=actor, objs=persons, action=ObjectChange.Action.CREATE, request_id=ctx.request_id,
                    labels=person_labels,
                )
            )  # fmt: skip
            write_links(chunk)
            if start % 20000 == 0:
                log.info("persons import: %s new written, %.1fs", start + len(chunk), time.perf_counter() - t_start)
            ctx.progress(report.rows // 2 + (start + len(chunk)) * report.rows // (2 * total), report.rows)
        traces.add("people.Person", "create", created_ids, prints=["1"] * len(created_ids))

        # Updated persons: lock, remember the old values, change, bump the version.
        upd_rows = [r for r in good + extra_heads if r.existing is not None and (r.changes or r.data is None)]
        updated_ids: list[int] = []
        before_raw: dict[int, dict] = {}
        now = timezone.now()
        update_fields = [f[:-3] if f.endswith("_id") else f for f in RESTORE_FIELDS] + ["updated_at"]
        for start in range(0, len(upd_rows), 500):
            chunk = upd_rows[start : start + 500]
            locked = Person.objects.select_for_update().in_bulk([r.existing["pk"] for r in chunk])
            old_labels = {
                h.pk: str(h)
                for h in Household.objects.filter(
                    pk__in={p.household_id for p in locked.values() if p.household_id}
                ).select_related("householder")
            }
            old_regions = Region.objects.in_bulk({p.region_id for p in locked.values() if p.region_id})
            objs, befores = [], {}
            for row in chunk:
                person = locked[row.existing["pk"]]
                hash_to_pk[row.hash] = person.pk
                if person.pk in before_raw:
                    continue
                befores[person.pk] = snapshot(
                    person,
                    {
                        "household": old_labels.get(person.household_id),
                        "region": old_regions[person.region_id].name if person.region_id in old_regions else None,
                        "user": None,
                    },
                )
                before_raw[person.pk] = {f: _jsonable(getattr(person, f)) for f in RESTORE_FIELDS}
                data = row.data
                for key in row.changes if data is not None else ():
                    if key == "name":
                        person.name = data.name
                        person.name_pinyin, person.name_initials = name_pinyin(data.name)
                    elif key == "phone":
                        set_phone(person, data.phone)
                    elif key in PERSONAL:
                        setattr(person, key, getattr(data, key))
                if row.household is not None and ("household" in row.changes or data is None):
                    person.household_id = household_id(row)
                    person.relation = row.household_relation
                if row.new_residencies:
                    kinds = {k for _, k, _ in row.new_residencies}
                    if kinds & {Residency.Kind.OWNER, Residency.Kind.TENANT} or not person.region_path:
                        person.region_id, person.region_path = region_for(row.new_residencies[0][0])
                person.version += 1
                person.updated_at = now
                objs.append(person)
            Person.objects.bulk_update(objs, update_fields, batch_size=500)
            for person in objs:
                if person.region_path != before_raw[person.pk]["region_path"]:
                    TagAssignment.objects.filter(person=person).update(region_path=person.region_path)
            regions.update(Region.objects.in_bulk({p.region_id for p in objs if p.region_id} - set(regions)))
            changes.extend(
                change_rows(
                    actor=actor, objs=objs, action=ObjectChange.Action.UPDATE, request_id=ctx.request_id,
                    before=befores, labels=person_labels,
                )
            )  # fmt: skip
            updated_ids.extend(p.pk for p in objs)
            write_links(chunk)
        traces.add("people.Person", "update", updated_ids, before_raw)

        # Householders of the new households.
        for group in groups:
            group.obj.householder_id = hash_to_pk.get(group.head.hash if group.head else group.head_hash)
        bulk.update_column(Household, "householder", [(g.obj.pk, g.obj.householder_id) for g in groups])
        # Change-log rows of the new households, a chunk at a time (40,000 households' rows at once cost 100 MB).
        for start in range(0, len(groups), CHUNK):
            chunk = groups[start : start + CHUNK]
            for group in chunk:  # str(household) names the householder: give it without a query per household
                name = group.head.data.name if group.head is not None and group.head.data is not None else ""
                if group.obj.householder_id:
                    group.obj.householder = Person(pk=group.obj.householder_id, name=name or "户主")
            house_labels = {g.obj.pk: g.house.label or str(house_of(g.house)) for g in chunk}
            rows_ = change_rows(
                actor=actor, objs=[g.obj for g in chunk], action=ObjectChange.Action.CREATE, request_id=ctx.request_id,
                labels=lambda h, hl=house_labels: {"house": hl.get(h.pk), "householder": household_labels.get(h.pk, "")[:-1]},
            )  # fmt: skip
            bulk.insert(ObjectChange, rows_)
            for group in chunk:  # drop the stub, keep householder_id
                group.obj._state.fields_cache.pop("householder", None)

        bulk.insert(ObjectChange, changes)
        changes.clear()
        traces.add("people.Residency", "create", residency_ids, prints=residency_prints)
        traces.add("people.TagAssignment", "create", assignment_ids, prints=assignment_prints)
        traces.add(
            "people.Household", "create", [g.obj.pk for g in groups],
            prints=[f"{g.obj.householder_id or ''}|{g.obj.house_id}|{g.obj.number}" for g in groups],
        )  # fmt: skip
        log.info("persons import: all written, %.1fs", time.perf_counter() - t_start)
        if batch_id:
            traces.save(batch_id)
        log.info("persons import: traces saved, %.1fs", time.perf_counter() - t_start)


def _peak_mb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _jsonable(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
