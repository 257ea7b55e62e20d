"""Parse: each row of a persons ledger on its own, into typed values, with Chinese errors by row and column.

Nothing here reads the database except the tag names (loaded once); the plan step decides what each row means.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from linli.core.errors import DomainError
from linli.core.identity import id_birth_date, id_sex, parse_id_number
from linli.core.models import Region
from linli.dataio import cells
from linli.dataio.cells import CellError
from linli.dataio.importers.base import (
    AddressRef,
    HouseHit,
    RegionResolver,
    address_from_row,
    strip_label,
)
from linli.people.models import Person, Residency
from linli.people.services import clean_person_data, id_hash

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


_PROVIDED: dict[frozenset, frozenset] = {}  # each set of given columns once (at most 2⁸: subsets of PERSONAL)


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
    # The sequences below start as the shared empty tuple and grow by ``+= (item,)``: most rows never add to
    # them, and five empty lists per row were 27 MB at 100,000 rows.
    tags: tuple = ()
    house: HouseHit | None = None
    more_houses: tuple = ()  # the same person on further rows, at other houses
    existing: dict | None = None
    changes: tuple = ()
    new_residencies: tuple = ()  # ((HouseHit, kind, start), ...)
    new_tags: tuple = ()
    household: object = None  # ("existing", id) or ("new", Group)
    household_relation: str = ""
    region_id: int | None = None
    region_path: str = ""
    ok: bool = True


class PersonParser:
    """Pass 1 of the persons import: ``parse_row`` turns a row of cells into a ``Row`` (or records its errors)."""

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
        provided = _PROVIDED.setdefault(provided, provided)  # one shared set per combination (60 MB at 100,000 rows)
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
                    row.tags += (found[0],)
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
            prior.more_houses += (row,)
            return
        self.report.warning(row.number, self.column("id_number"), f"与第 {prior.number} 行重复，已忽略")
