"""Import houses (natural key: building + unit + number), organisations (credit code, else name + grid) and places
(name + grid). These ledgers are small (hundreds to a few thousand rows): new organisations and places go through
people.services one by one; houses are created in bulk like the houses a persons import creates.
"""

from decimal import Decimal

from linli.core import audit, crypto, masking
from linli.core.errors import DomainError
from linli.core.identity import parse_credit_code, parse_phone
from linli.core.models import ObjectChange
from linli.core.tabular import Table
from linli.dataio import cells
from linli.dataio.cells import CellError
from linli.dataio.columns import ENTITIES, HOUSES, PLACES
from linli.dataio.importers.base import (
    Context,
    HouseResolver,
    ImportAborted,
    RegionResolver,
    Report,
    Traces,
    address_from_row,
    path_checker,
    strip_label,
)
from linli.housing import services as housing_services
from linli.housing.models import House
from linli.people import ownership
from linli.people import services as people_services
from linli.people.models import Entity, Place

USE_LOOKUP = {
    **{w: House.Use.OWNER_OCCUPIED for w in "自住 自用 居住 住宅 自有".split()},
    **{w: House.Use.RENTED for w in "出租 租赁 出租房 出租屋".split()},
    **{w: House.Use.VACANT for w in "空置 空房 闲置 空闲".split()},
    **{w: House.Use.COMMERCIAL for w in "商用 商业 门面 商铺 经营 营业".split()},
}
ENTITY_KIND_LOOKUP = {
    **{w: Entity.Kind.LEGAL for w in "法人单位 法人 企业 公司 企业法人 事业单位 机关 机关事业单位".split()},
    **{w: Entity.Kind.INDIVIDUAL for w in "个体工商户 个体 个体户 个体经营".split()},
    **{w: Entity.Kind.SOCIAL for w in "社会组织 社团 民非 民办非企业单位 社会团体 基金会".split()},
}
PLACE_KIND_LOOKUP = {
    **{label: code for code, label in Place.Kind.choices},
    **{w: Place.Kind.SMALL_SHOP for w in "商店 超市 便利店 小卖部 小超市 商铺".split()},
    **{w: Place.Kind.SMALL_RESTAURANT for w in "餐饮 饭店 小吃 小吃店 餐馆 小饭馆".split()},
    **{w: Place.Kind.SMALL_HOTEL for w in "旅馆 宾馆 民宿 招待所 小旅店".split()},
    **{w: Place.Kind.SMALL_ENTERTAINMENT for w in "娱乐场所 网吧 KTV 歌舞厅 棋牌室 游戏厅".split()},
    **{w: Place.Kind.SMALL_WORKSHOP for w in "作坊 加工作坊 小加工".split()},
    **{w: Place.Kind.SCHOOL for w in "学校 幼儿园 托育 培训机构".split()},
    **{w: Place.Kind.CLINIC for w in "医疗机构 诊所 卫生室 药店 医院".split()},
    **{w: Place.Kind.OTHER for w in "其他 其它".split()},
}
FIRE_LOOKUP = {"低": "low", "中": "medium", "高": "high", "一般": "low", "较高": "medium", "重点": "high"}


class _Base:
    spec = None

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.report = Report()

    def column(self, key: str) -> str:
        return self.headers.get(key) or self.spec.label(key)

    def error(self, row: int | None, key: str, message: str) -> None:
        self.report.error(row, self.column(key) if key else "", message)

    def lookup(self, number: int, key: str, value, table: dict, hint: str) -> str:
        raw = cells.compact(value)
        if raw in table:
            return table[raw]
        self.error(number, key, f"“{raw}”无法识别，可填 {hint}")
        return ""

    def rows(self, table: Table):
        self.headers = table.headers
        for number, values in table.rows:
            if values:
                self.report.rows += 1
                yield number, values


class HousesImporter(_Base):
    spec = HOUSES

    def run(self, table: Table, *, batch_id: int | None = None) -> Report:
        ctx, report = self.ctx, self.report
        ctx.create_houses = True
        grids = RegionResolver(ctx.user, ctx.action)
        parsed = []
        for number, values in self.rows(table):
            before = report.error_count
            item = {"number": number, "fields": {}}
            try:
                item["ref"] = address_from_row(values)
                if item["ref"] is None:
                    raise CellError("请填写楼栋和房号（或“住址”）")
            except CellError as exc:
                self.error(number, "address" if "address" in values else "room", exc.message)
            fields = item["fields"]
            if "floor" in values:
                try:
                    fields["floor"] = cells.integer(values["floor"], minimum=-10, maximum=200)
                except CellError as exc:
                    self.error(number, "floor", exc.message)
            if "area" in values:
                try:
                    fields["area"] = housing_services.parse_area(cells.compact(values["area"]))
                except DomainError as exc:
                    self.error(number, "area", strip_label(exc.message))
            if "use" in values:
                fields["use"] = self.lookup(number, "use", values["use"], USE_LOOKUP, "自住/出租/空置/商用")
            grid = None
            for key, level in (("grid", None), ("household_unit", "unit")):
                if key in values:
                    try:
                        region = grids.resolve(values[key], level=level)
                    except CellError as exc:
                        self.error(number, key, exc.message)
                        continue
                    if key == "grid":
                        grid = region
                    else:
                        fields["household_unit"] = region
            item["grid"] = grid
            if cells.compact(values.get("owners")):
                try:
                    item["owners"] = ownership.parse_holders(cells.text(values["owners"]))
                except DomainError as exc:
                    self.error(number, "owners", strip_label(exc.message))
            if report.error_count == before:
                parsed.append(item)
            ctx.progress(len(parsed) // 2, table.estimated_rows or 1)
        resolver = HouseResolver(ctx, [p["ref"] for p in parsed])
        seen: dict[tuple, int] = {}
        updates, extra_fields, owner_plan = [], {}, []
        for item in parsed:
            number = item["number"]
            try:
                hit = resolver.resolve(item["ref"], grid=item["grid"])
            except CellError as exc:
                self.error(number, "address" if "address" in self.headers else "building", exc.message)
                continue
            key = hit.planned_key or ("house", hit.id)
            if key in seen:
                report.warning(number, self.column("room"), f"与第 {seen[key]} 行是同一套房屋，已忽略")
                continue
            seen[key] = number
            fields = item["fields"]
            unit = fields.get("household_unit")
            if unit is not None and not unit.path.startswith(resolver.grid_path_of(hit)):
                self.error(number, "household_unit", f"“{unit.name}”不在该楼栋所属网格内")
                continue
            if item.get("owners"):
                house_for_owners = House.objects.get(pk=hit.id) if hit.id is not None else None
                try:
                    holders = ownership.resolve_holders(item["owners"], house_for_owners)
                except DomainError as exc:
                    self.error(number, "owners", strip_label(exc.message))
                    continue
                if house_for_owners is None or not ownership.same_holders(house_for_owners, holders):
                    owner_plan.append((hit, holders))
                    report.details["owners_set"] = report.details.get("owners_set", 0) + 1
            if hit.id is None:
                extra_fields[hit.planned_key] = fields
                report.created += 1
                continue
            house = House.objects.select_related("building__grid", "household_unit").get(pk=hit.id)
            diff = {}
            for name, value in fields.items():
                current = getattr(house, name)
                if name == "area" and current is not None:
                    current = Decimal(current).quantize(Decimal("0.01"))
                if value != current and not (
                    name == "household_unit" and value and house.household_unit_id == value.pk
                ):
                    diff[name] = value
            if diff:
                report.updated += 1
                report.change(number, str(house), [House._meta.get_field(k).verbose_name for k in diff])
                updates.append((number, house, diff))
            else:
                report.unchanged += 1
        report.details["houses_created"] = len(resolver.planned)
        report.details["buildings_created"] = len(resolver.planned_buildings)
        if ctx.writes(report):
            traces, changes = Traces(), []
            created_houses = resolver.create_planned(traces, changes, extra_fields)
            ObjectChange.objects.bulk_create(changes, batch_size=1000)
            before_raw, ids = {}, []
            for number, house, diff in updates:
                before_raw[house.pk] = {
                    "floor": house.floor, "area": str(house.area) if house.area is not None else None, "use": house.use,
                    "household_unit_id": house.household_unit_id, "region_path": house.region_path, "version": house.version,
                }  # fmt: skip
                try:
                    housing_services.house_update(actor=ctx.user, house=house, version=house.version, **diff)
                except DomainError as exc:
                    self.error(number, "", exc.message)
                    raise ImportAborted from exc
                ids.append(house.pk)
            traces.add("housing.House", "update", ids, before_raw)
            if owner_plan:
                plan = [
                    (created_houses[hit.planned_key] if hit.id is None else House.objects.get(pk=hit.id), holders)
                    for hit, holders in owner_plan
                ]
                made, ended = ownership.ownership_import(plan=plan)
                traces.add("people.Ownership", "update", list(ended), ended)
                traces.add("people.Ownership", "create", made)
            if batch_id:
                traces.save(batch_id)
        return report


class _OrgImporter(_Base):
    model = None
    kind_lookup: dict = {}
    kind_hint = ""
    action = ""

    def parse_common(self, number: int, values: dict, grids: RegionResolver) -> dict | None:
        before = self.report.error_count
        out = {"number": number, "name": cells.text(values.get("name"))[:100]}
        if not out["name"]:
            self.error(number, "name", "不能为空")
        try:
            out["grid"] = grids.resolve(values.get("grid"))
        except CellError as exc:
            self.error(number, "grid", exc.message)
        if "kind" in values:
            out["kind"] = self.lookup(number, "kind", values["kind"], self.kind_lookup, self.kind_hint)
        if "phone" in values:
            try:
                out["phone"] = parse_phone(cells.phone(values["phone"]))
            except DomainError as exc:
                self.error(number, "phone", strip_label(exc.message))
        if "address" in values:
            out["address"] = cells.text(values["address"])[:200]
        for key in ("lat", "lng"):
            if key in values:
                try:
                    value = cells.decimal(values[key])
                    limit = 90 if key == "lat" else 180
                    if abs(value) > limit:
                        raise CellError(f"“{value}”超出范围")
                    out[key] = value
                except CellError as exc:
                    self.error(number, key, exc.message)
        return out if self.report.error_count == before else None

    def compare(self, obj, item: dict, keys: list[str]) -> dict:
        diff = {}
        for key in keys:
            if key not in item:
                continue
            if key == "phone":
                current = crypto.decrypt(obj.phone_enc) if obj.phone_enc else ""
                if current != item["phone"]:
                    diff["phone"] = item["phone"]
            elif key == "grid":
                if obj.grid_id != item["grid"].pk:
                    diff["grid"] = item["grid"]
            elif getattr(obj, key) != item[key]:
                diff[key] = item[key]
        return diff

    def apply_update(self, obj, diff: dict) -> None:
        before = audit.snapshot(obj)
        for key, value in diff.items():
            if key == "phone":
                obj.phone_enc, obj.phone_masked = crypto.encrypt(value), masking.mask_phone(value)
            elif key == "grid":
                obj.grid, obj.region_path = value, value.path
            else:
                setattr(obj, key, value)
        obj.save()
        audit.log_change(actor=self.ctx.user, obj=obj, action=ObjectChange.Action.UPDATE, before=before)

    def finish(self, creates: list, updates: list, batch_id: int | None) -> None:
        traces = Traces()
        created, before_raw = [], {}
        for item in creates:
            try:
                obj = self.create(item)
            except DomainError as exc:
                for fld, message in exc.errors:
                    self.error(item["number"], fld if fld in self.spec.columns else "", strip_label(message))
                raise ImportAborted from exc
            created.append(obj.pk)
        for obj, diff in updates:
            before_raw[obj.pk] = {
                f.attname: _raw(getattr(obj, f.attname)) for f in obj._meta.concrete_fields if f.attname != "id"
            }
            self.apply_update(obj, diff)
        traces.add(self.model._meta.label, "create", created)
        traces.add(self.model._meta.label, "update", list(before_raw), before_raw)
        if batch_id:
            traces.save(batch_id)


def _raw(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class EntitiesImporter(_OrgImporter):
    spec = ENTITIES
    model = Entity
    kind_lookup = ENTITY_KIND_LOOKUP
    kind_hint = "法人单位/个体工商户/社会组织"
    fields = ["kind", "legal_person", "phone", "address", "employees", "lat", "lng", "grid", "credit_code"]

    def create(self, item: dict):
        extra = {k: item[k] for k in ("legal_person", "address", "employees", "lat", "lng") if k in item}
        return people_services.entity_create(
            actor=self.ctx.user,
            name=item["name"],
            kind=item.get("kind") or Entity.Kind.LEGAL,
            grid=item["grid"],
            credit_code=item.get("credit_code", ""),
            phone=item.get("phone", ""),
            **extra,
        )

    def run(self, table: Table, *, batch_id: int | None = None) -> Report:
        ctx, report = self.ctx, self.report
        grids = RegionResolver(ctx.user, ctx.action)
        can_change = path_checker(ctx.user, "entity.change")
        items, seen = [], {}
        for number, values in self.rows(table):
            item = self.parse_common(number, values, grids)
            if item is None:
                continue
            if "credit_code" in values:
                try:
                    item["credit_code"] = parse_credit_code(values["credit_code"])
                except DomainError as exc:
                    self.error(number, "credit_code", strip_label(exc.message))
                    continue
            if "legal_person" in values:
                item["legal_person"] = cells.compact(values["legal_person"])[:50]
            if "employees" in values:
                try:
                    item["employees"] = cells.integer(values["employees"], minimum=0, maximum=1_000_000)
                except CellError as exc:
                    self.error(number, "employees", exc.message)
                    continue
            key = item.get("credit_code") or (item["name"], item["grid"].pk)
            if key in seen:
                report.warning(number, self.column("name"), f"与第 {seen[key]} 行是同一单位，已忽略")
                continue
            seen[key] = number
            items.append(item)
        codes = [i["credit_code"] for i in items if i.get("credit_code")]
        by_code = {e.credit_code: e for e in Entity.objects.filter(credit_code__in=codes)}
        names = [i["name"] for i in items]
        by_name = {(e.name, e.grid_id): e for e in Entity.objects.filter(name__in=names)}
        creates, updates = [], []
        for item in items:
            obj = by_code.get(item.get("credit_code")) or by_name.get((item["name"], item["grid"].pk))
            if obj is None:
                report.created += 1
                creates.append(item)
                continue
            diff = self.compare(obj, item, self.fields + ["name"])
            if not diff:
                report.unchanged += 1
                continue
            if not can_change(obj.region_path):
                self.error(item["number"], "name", "该单位登记在您的管辖范围之外")
                continue
            report.updated += 1
            report.change(
                item["number"],
                obj.name,
                [str(Entity._meta.get_field(k).verbose_name) for k in diff if k != "phone"]
                + (["联系电话"] if "phone" in diff else []),
            )
            updates.append((obj, diff))
        if ctx.writes(report):
            self.finish(creates, updates, batch_id)
        return report


class PlacesImporter(_OrgImporter):
    spec = PLACES
    model = Place
    kind_lookup = PLACE_KIND_LOOKUP
    kind_hint = "小商店/小餐饮/小旅馆/小娱乐场所/小作坊/重点单位/学校/幼儿园/医疗机构/其他场所"
    fields = ["kind", "entity", "contact_name", "phone", "address", "fire_risk", "lat", "lng"]

    def create(self, item: dict):
        extra = {k: item[k] for k in ("entity", "contact_name", "address", "fire_risk", "lat", "lng") if k in item}
        return people_services.place_create(
            actor=self.ctx.user,
            name=item["name"],
            kind=item.get("kind") or Place.Kind.OTHER,
            grid=item["grid"],
            phone=item.get("phone", ""),
            **extra,
        )

    def run(self, table: Table, *, batch_id: int | None = None) -> Report:
        ctx, report = self.ctx, self.report
        grids = RegionResolver(ctx.user, ctx.action)
        can_change = path_checker(ctx.user, "place.change")
        entity_names = set()
        items, seen = [], {}
        for number, values in self.rows(table):
            item = self.parse_common(number, values, grids)
            if item is None:
                continue
            if "contact_name" in values:
                item["contact_name"] = cells.compact(values["contact_name"])[:50]
            if "fire_risk" in values:
                item["fire_risk"] = self.lookup(number, "fire_risk", values["fire_risk"], FIRE_LOOKUP, "低/中/高")
            if "entity" in values:
                item["entity_text"] = cells.compact(values["entity"])
                entity_names.add(item["entity_text"])
            key = (item["name"], item["grid"].pk)
            if key in seen:
                report.warning(number, self.column("name"), f"与第 {seen[key]} 行是同一场所，已忽略")
                continue
            seen[key] = number
            items.append(item)
        entities = {}
        for e in Entity.objects.filter(name__in=entity_names) | Entity.objects.filter(credit_code__in=entity_names):
            entities.setdefault(e.name, []).append(e)
            entities.setdefault(e.credit_code, []).append(e)
        by_key = {(p.name, p.grid_id): p for p in Place.objects.filter(name__in=[i["name"] for i in items])}
        creates, updates = [], []
        for item in items:
            text = item.pop("entity_text", None)
            if text:
                found = {e.pk: e for e in entities.get(text, [])}
                if len(found) != 1:
                    self.error(item["number"], "entity", f"{'未找到' if not found else '有多个'}单位“{text}”")
                    continue
                item["entity"] = next(iter(found.values()))
            obj = by_key.get((item["name"], item["grid"].pk))
            if obj is None:
                report.created += 1
                creates.append(item)
                continue
            diff = self.compare(obj, item, self.fields)
            if not diff:
                report.unchanged += 1
                continue
            if not can_change(obj.region_path):
                self.error(item["number"], "name", "该场所登记在您的管辖范围之外")
                continue
            report.updated += 1
            report.change(
                item["number"],
                obj.name,
                [str(Place._meta.get_field(k).verbose_name) if k != "phone" else "联系电话" for k in diff],
            )
            updates.append((obj, diff))
        if ctx.writes(report):
            self.finish(creates, updates, batch_id)
        return report
