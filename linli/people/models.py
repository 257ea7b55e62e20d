"""People: persons (实有人口), households (户), residencies (人房关系), tags, organisations and places."""

import functools
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from treebeard.mp_tree import MP_Node

from linli.core.fields import EncryptedTextField, PathField, PrefixSearchField
from linli.core.http import pk_url

ETHNIC_GROUPS = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 黎族 "
    "傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 "
    "毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 "
    "独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()


# Roles without ``person.unmask`` see ages in bands of this many years and filter by band edges: with a band,
# even an attacker who knows the county is left with >= 1.6x10^4 candidates per masked ID (docs/security.md).
AGE_BAND = 5

# The birth year is stored only as a keyed blind index (HMAC with the platform's index key, its own purpose so it
# matches no other index). Filters ask for the indexes of every year that matches: at most OLDEST_AGE + 1 values.
BIRTH_YEAR_PURPOSE = "birth-year"
OLDEST_AGE = 130


def birth_year_index(year: int | None) -> str:
    from linli.core import crypto

    return crypto.blind_index(str(year), BIRTH_YEAR_PURPOSE) if year else ""


def birth_year_indexes(first: int, last: int) -> list[str]:
    """The indexes of the birth years ``first``..``last`` (inclusive), within the last OLDEST_AGE years."""
    from django.utils import timezone

    this_year = timezone.localdate().year
    return [birth_year_index(y) for y in range(max(first, this_year - OLDEST_AGE), min(last, this_year) + 1)]


@functools.lru_cache(maxsize=4)
def _years_by_index(key: bytes, this_year: int) -> dict[str, int]:
    return {birth_year_index(y): y for y in range(this_year - OLDEST_AGE, this_year + 1)}


def year_from_index(index: str) -> int | None:
    """The birth year behind an index (one table of ~130 HMACs per key and year, cached)."""
    if not index:
        return None
    from django.utils import timezone

    from linli.core import crypto

    return _years_by_index(crypto.keyring()["index_key"], timezone.localdate().year).get(index)


class Person(models.Model):
    """One person known to the community. ID number and phone are encrypted and found by keyed hash."""

    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", "居民身份证"
        PASSPORT = "passport", "护照"
        HKMO_TW = "hkmotw", "港澳台居民证件"
        OTHER = "other", "其他证件"

    class PersonType(models.TextChoices):
        REGISTERED = "registered", "户籍人口"
        RESIDENT = "resident", "常住人口"
        FLOATING = "floating", "流动人口"
        OVERSEAS = "overseas", "境外人员"

    class Political(models.TextChoices):
        CPC = "cpc", "中共党员"
        CPC_PROBATION = "cpc_probation", "中共预备党员"
        CYL = "cyl", "共青团员"
        DEMOCRATIC = "democratic", "民主党派"
        NONE = "masses", "群众"

    class Relation(models.TextChoices):
        SELF = "self", "户主"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDPARENT = "grandparent", "祖父母/外祖父母"
        GRANDCHILD = "grandchild", "孙子女/外孙子女"
        SIBLING = "sibling", "兄弟姐妹"
        IN_LAW = "in_law", "儿媳/女婿"
        OTHER = "other", "其他"

    name = PrefixSearchField("姓名", max_length=50)
    # "zhangsan" and "zs": for search by pinyin and initials, kept in step by the service.
    name_pinyin = PrefixSearchField("姓名拼音", max_length=120, blank=True, editable=False)
    name_initials = PrefixSearchField("拼音首字母", max_length=20, blank=True, editable=False)
    id_type = models.CharField("证件类型", max_length=12, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number_enc = EncryptedTextField("证件号码（密文）", blank=False)
    id_number_hash = models.CharField(max_length=40, unique=True, editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    # No birth date, mask or year in clear: the decade is (coarse grouping) and the year only as a keyed blind
    # index (exact age filters by IN over the matching years), so a dump without the keys leaves >= 10^6
    # candidates per ID (docs/security.md). Set both through ``birth_year``.
    birth_decade = models.PositiveSmallIntegerField("出生年代", null=True, blank=True, editable=False)
    birth_year_index = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    phone_enc = EncryptedTextField("联系电话（密文）", blank=True, editable=False)
    phone_hash = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    phone_last4 = models.CharField("电话后四位", max_length=4, blank=True, editable=False)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    ethnicity = models.CharField("民族", max_length=10, blank=True, choices=[(e, e) for e in ETHNIC_GROUPS])
    hukou_address = models.CharField("户籍地", max_length=200, blank=True)
    person_type = models.CharField("人员类型", max_length=12, choices=PersonType.choices, default=PersonType.RESIDENT)
    political_status = models.CharField(
        "政治面貌", max_length=16, choices=Political.choices, default=Political.NONE, blank=True
    )
    workplace = models.CharField("工作单位", max_length=100, blank=True)
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name="户"
    )
    relation = models.CharField("与户主关系", max_length=12, choices=Relation.choices, blank=True)
    # Where the person lives now: the region of their current main house (or the grid they were filed in).
    region = models.ForeignKey(
        "core.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="所属网格"
    )
    region_path = PathField(editable=False, blank=True)
    user = models.OneToOneField(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="person", verbose_name="账号"
    )
    notes = models.TextField("备注", blank=True)
    is_active = models.BooleanField("在册", default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["region_path", "name", "pk"]
        verbose_name = "人员"
        verbose_name_plural = "人员"
        indexes = [
            models.Index(fields=["region_path", "name"], name="person_region_name"),
            models.Index(fields=["phone_last4", "region_path"], name="person_phone_last4"),
            models.Index(fields=["name_initials", "region_path"], name="person_initials"),
            models.Index(fields=["name", "region_path"], name="person_name"),
            models.Index(fields=["name_pinyin", "region_path"], name="person_pinyin"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return pk_url("people:person_detail", self.pk)

    @cached_property
    def id_number_clear(self) -> str:
        """The decrypted ID number, for derived values only; never rendered without an unmask record."""
        from linli.core import crypto

        return crypto.decrypt(self.id_number_enc) if self.id_number_enc else ""

    @property
    def id_number_masked(self) -> str:
        from linli.core.masking import mask_id_number

        return mask_id_number(self.id_number_clear)

    @property
    def birth_year(self) -> int | None:
        """The birth year, read back from its blind index (needs the key; never stored in clear)."""
        return year_from_index(self.birth_year_index)

    @birth_year.setter
    def birth_year(self, year: int | None) -> None:
        self.birth_decade = year // 10 * 10 if year else None
        self.birth_year_index = birth_year_index(year)

    @property
    def birth_date(self):
        """From the ID number (resident IDs only); shown to the person and after unmasking, never in lists."""
        from linli.core.identity import id_birth_date

        if self.id_type != self.IdType.RESIDENT_ID or len(self.id_number_clear) != 18:
            return None
        return id_birth_date(self.id_number_clear)

    @property
    def age(self) -> int | None:
        from django.utils import timezone

        from linli.core.identity import age_on

        today = timezone.localdate()
        birth = self.birth_date
        if birth is not None:
            return age_on(birth, today)
        return today.year - self.birth_year if self.birth_year else None

    @property
    def age_band(self) -> str:
        """The age band, e.g. 30–34 岁: what a role without the unmask right sees (docs/security.md).

        Counted by birth year like the age filters, so that a band shown and a band filtered are the same five
        birth years: bands from the exact age would cut the year at the current date and, intersected with a
        filter, narrow a birth date near a band edge to a few weeks.
        """
        if not self.birth_year:
            return ""
        from django.utils import timezone

        low = (timezone.localdate().year - self.birth_year) // AGE_BAND * AGE_BAND
        return f"{low}–{low + AGE_BAND - 1} 岁"


class Household(models.Model):
    """户: a household registered at a house, with a householder (户主)."""

    number = models.CharField("户号", max_length=32, blank=True)
    house = models.ForeignKey(
        "housing.House", null=True, blank=True, on_delete=models.PROTECT, related_name="households", verbose_name="住址"
    )
    householder = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="户主"
    )
    region_path = PathField(editable=False, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["region_path", "pk"]
        verbose_name = "户"
        verbose_name_plural = "户"

    def __str__(self) -> str:
        head = self.householder.name if self.householder_id else "未定户主"
        return f"{head}户" + (f"（{self.number}）" if self.number else "")

    def get_absolute_url(self) -> str:
        return pk_url("people:household_detail", self.pk)


class Residency(models.Model):
    """人房关系: a person lives at or owns a house, from a date, until a date (history kept)."""

    class Kind(models.TextChoices):
        OWNER = "owner", "业主"
        TENANT = "tenant", "租户"
        FAMILY = "family", "家属"
        OTHER = "other", "其他"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residencies", verbose_name="人员")
    house = models.ForeignKey(
        "housing.House", on_delete=models.PROTECT, related_name="residencies", verbose_name="房屋"
    )
    kind = models.CharField("关系", max_length=10, choices=Kind.choices)
    start = models.DateField("起始日期", null=True, blank=True)
    end = models.DateField("结束日期", null=True, blank=True, help_text="为空表示仍在住")
    region_path = PathField(editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = "人房关系"
        verbose_name_plural = "人房关系"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "house", "kind"], condition=models.Q(end__isnull=True), name="residency_one_current"
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True)
                | models.Q(start__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="residency_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.house} · {self.get_kind_display()}"

    @property
    def is_current(self) -> bool:
        return self.end is None

    def start_for(self, *, exact: bool):
        """The start date as a role sees it (docs/security.md, 个人信息).

        A child registered where the family lives starts on (or within weeks of) their birth date, so for roles
        without the unmask right (``exact=False``) a start within the person's first year of life is not shown:
        it would be the birth date the age band hides. Later starts say nothing about the birth date.
        """
        if exact or self.start is None:
            return self.start
        birth = self.person.birth_date
        if birth is not None:
            return None if (self.start - birth).days < 366 else self.start
        year = self.person.birth_year  # no resident ID: the birth year only
        return None if year and self.start.year <= year + 1 else self.start


class Tag(MP_Node):
    """A configurable tag tree (重点人群…); sensitivity decides which roles see it."""

    class Sensitivity(models.IntegerChoices):
        PUBLIC = 0, "公开"
        INTERNAL = 1, "内部"
        SENSITIVE = 2, "敏感"
        HIGHLY_SENSITIVE = 3, "高度敏感"

    name = models.CharField("名称", max_length=50)
    code = models.SlugField("代码", max_length=50, unique=True)
    sensitivity = models.PositiveSmallIntegerField("敏感级别", choices=Sensitivity.choices, default=0)
    requires_consent = models.BooleanField("需单独同意", default=False)
    color = models.CharField("颜色", max_length=20, default="blue")
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "标签"
        verbose_name_plural = "标签"

    def __str__(self) -> str:
        return self.name


class TagAssignment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tag_assignments", verbose_name="人员")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="assignments", verbose_name="标签")
    region_path = PathField(editable=False, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    since = models.DateField("起始日期", null=True, blank=True)
    added_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "人员标签"
        verbose_name_plural = "人员标签"
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="tagassignment_unique")]

    def __str__(self) -> str:
        return f"{self.person} · {self.tag}"


class Entity(models.Model):
    """单位组织 in the community: 法人, 个体工商户, 社会组织."""

    class Kind(models.TextChoices):
        LEGAL = "legal", "法人单位"
        INDIVIDUAL = "individual", "个体工商户"
        SOCIAL = "social", "社会组织"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_person = models.CharField("法定代表人/负责人", max_length=50, blank=True)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    phone_enc = EncryptedTextField(blank=True, editable=False)
    grid = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格")
    region_path = PathField(editable=False)
    address = models.CharField("地址", max_length=200, blank=True)
    house = models.ForeignKey(
        "housing.House", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="房屋"
    )
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    employees = models.PositiveIntegerField("从业人数", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "单位组织"
        verbose_name_plural = "单位组织"
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="entity_unique_credit_code"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:entity_detail", args=[self.pk])


class Place(models.Model):
    """场所: 三小场所 (小商店、小餐饮、小旅馆…) and 重点单位, with grid, address and coordinates."""

    class Kind(models.TextChoices):
        SMALL_SHOP = "small_shop", "小商店"
        SMALL_RESTAURANT = "small_restaurant", "小餐饮"
        SMALL_HOTEL = "small_hotel", "小旅馆"
        SMALL_ENTERTAINMENT = "small_entertainment", "小娱乐场所"
        SMALL_WORKSHOP = "small_workshop", "小作坊"
        KEY_UNIT = "key_unit", "重点单位"
        SCHOOL = "school", "学校/幼儿园"
        CLINIC = "clinic", "医疗机构"
        OTHER = "other", "其他场所"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.SET_NULL, related_name="places", verbose_name="经营单位"
    )
    grid = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="网格")
    region_path = PathField(editable=False)
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField("负责人", max_length=50, blank=True)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    phone_enc = EncryptedTextField(blank=True, editable=False)
    fire_risk = models.CharField(
        "消防风险等级", max_length=8, blank=True, choices=[("low", "低"), ("medium", "中"), ("high", "高")]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "场所"
        verbose_name_plural = "场所"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:place_detail", args=[self.pk])


# --- 走访 (visits): what a grid worker records every day -------------------------------------------------


def visit_photo_path(instance, filename: str) -> str:
    import uuid

    return f"visits/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.jpg"


class VisitCycle(models.Model):
    """How often a person with a tag must be visited (独居老人: every 7 days); configured by administrators."""

    tag = models.OneToOneField(Tag, on_delete=models.CASCADE, related_name="visit_cycle", verbose_name="标签")
    every_days = models.PositiveSmallIntegerField("走访周期（天）", help_text="两次走访之间最多相隔的天数")
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["every_days", "tag"]
        verbose_name = "走访周期"
        verbose_name_plural = "走访周期"
        constraints = [models.CheckConstraint(condition=models.Q(every_days__gte=1), name="visitcycle_days_positive")]

    def __str__(self) -> str:
        return f"{self.tag.name}：每 {self.every_days} 天"


class Visit(models.Model):
    """走访记录: a grid worker's visit to a person (or a whole household), with notes, photos and follow-up."""

    class Kind(models.TextChoices):
        HOME = "home", "入户走访"
        PHONE = "phone", "电话随访"
        VIDEO = "video", "视频随访"
        MEET = "meet", "约见面谈"
        OTHER = "other", "其他"

    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="visits", verbose_name="走访对象"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.CASCADE, related_name="visits", verbose_name="户"
    )
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属网格")
    region_path = PathField(editable=False)
    visitor = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="走访人"
    )
    visitor_name = models.CharField("走访人", max_length=50, blank=True)
    visited_on = models.DateField("走访日期")
    kind = models.CharField("方式", max_length=8, choices=Kind.choices, default=Kind.HOME)
    notes = models.TextField("走访情况", max_length=2000)
    follow_up_needed = models.BooleanField("需要跟进", default=False)
    follow_up = models.CharField("跟进事项", max_length=500, blank=True)
    # The event opened from this visit (events sit above people, so a plain id and number, not a foreign key).
    event_id = models.PositiveBigIntegerField("转办事件", null=True, blank=True, editable=False)
    event_number = models.CharField("事件编号", max_length=20, blank=True, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        indexes = [
            models.Index(fields=["person", "visited_on"], name="visit_person_date"),
            models.Index(fields=["household", "visited_on"], name="visit_household_date"),
            models.Index(fields=["region_path", "visited_on"], name="visit_region_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(household__isnull=False), name="visit_has_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.get_kind_display()} · {self.target_name}"

    @property
    def notes_short(self) -> str:
        return self.notes[:40] + ("…" if len(self.notes) > 40 else "")

    @property
    def target_name(self) -> str:
        if self.person_id:
            return self.person.name
        return str(self.household) if self.household_id else ""

    def get_absolute_url(self) -> str:
        return reverse("people:visit_detail", args=[self.pk])


class VisitPhoto(models.Model):
    """A photo taken during a visit, re-encoded as JPEG (camera metadata such as GPS removed)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos", verbose_name="走访")
    image = models.FileField("照片", upload_to=visit_photo_path, max_length=200)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = "走访照片"
        verbose_name_plural = "走访照片"


class Ownership(models.Model):
    """产权人: who holds a house (专有部分) in the property register, from a date, until a date.

    The holder is a person or an organisation; ``developer`` marks units still held by the 开发建设单位 (unsold),
    which owners' votes count as one owner together. Co-owners of one house each have a row with their share.
    """

    house = models.ForeignKey("housing.House", on_delete=models.PROTECT, related_name="ownerships", verbose_name="房屋")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="ownerships", verbose_name="产权人"
    )
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="ownerships", verbose_name="产权单位"
    )
    developer = models.BooleanField("开发建设单位（未售出）", default=False)
    share = models.DecimalField(
        "产权份额（%）",
        max_digits=5,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    start = models.DateField("登记日期", null=True, blank=True)
    end = models.DateField("注销日期", null=True, blank=True, help_text="为空表示仍持有")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["house", "pk"]
        verbose_name = "产权人"
        verbose_name_plural = "产权人"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(person__isnull=False) & models.Q(entity__isnull=True))
                | (models.Q(person__isnull=True) & models.Q(entity__isnull=False)),
                name="ownership_one_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(developer=False) | models.Q(entity__isnull=False), name="ownership_developer_entity"
            ),
            models.UniqueConstraint(
                fields=["house", "person"], condition=models.Q(end__isnull=True), name="ownership_one_current_person"
            ),
            models.UniqueConstraint(
                fields=["house", "entity"], condition=models.Q(end__isnull=True), name="ownership_one_current_entity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.house} · {self.holder_name}"

    @property
    def holder_name(self) -> str:
        return self.person.name if self.person_id else self.entity.name
