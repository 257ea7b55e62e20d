"""Events (事件/工单): taxonomy, dispatch rules, holiday calendar, the event and its workflow records."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse

from linli.core.compiled import CompiledQuery
from linli.core.fields import EncryptedTextField, PathField
from linli.core.http import pk_url
from linli.core.models import Notification, OutboundMessage  # noqa: F401  (moved to core; still importable here)


class HandlerKind(models.TextChoices):
    GRID = "grid", "属地网格"
    DEPARTMENT = "department", "职能部门"
    PROPERTY = "property", "物业公司"
    SERVICE_CENTRE = "service_centre", "社区服务中心"
    CARE = "care", "社区关爱（社工）"


def deadline_label(value: int, unit: str) -> str:
    """A deadline in words that say which hours count: working hours and days follow the working calendar."""
    if unit == Category.Unit.DAYS:
        return f"{value} 个工作日"
    if unit == Category.Unit.CLOCK:
        return f"{value} 自然小时"
    return f"{value} 工作小时"


class Category(models.Model):
    """事件分类: a 大类 (no parent) or a 小类 (parent set) with its default handler and deadline."""

    class Unit(models.TextChoices):
        HOURS = "hours", "工作小时"
        DAYS = "days", "工作日"
        # Around the clock, nights and holidays included: for what cannot wait for office hours (燃气、困梯).
        CLOCK = "clock", "自然小时"

    class Urgency(models.TextChoices):
        NORMAL = "normal", "一般"
        URGENT = "urgent", "紧急"

    code = models.CharField("代码", max_length=8, unique=True)
    name = models.CharField("名称", max_length=100)
    name_en = models.CharField("英文名称", max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="大类"
    )
    handler_kind = models.CharField(
        "默认处置方", max_length=20, choices=HandlerKind.choices, default=HandlerKind.GRID, blank=True
    )
    deadline_value = models.PositiveIntegerField("默认时限", default=3)
    deadline_unit = models.CharField("时限单位", max_length=8, choices=Unit.choices, default=Unit.DAYS)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    emergency = models.BooleanField("需提示拨打急救/报警电话", default=False)
    emergency_hint = models.CharField("紧急提示", max_length=200, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    synonyms = models.JSONField("同义词/关键词", default=list, blank=True)
    active = models.BooleanField("启用", default=True)
    version = models.CharField("分类版本", max_length=20, blank=True)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = "事件分类"
        verbose_name_plural = "事件分类"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None

    @property
    def deadline_label(self) -> str:
        """The deadline with its true unit: "24 工作小时", "3 个工作日", "2 自然小时"."""
        return deadline_label(self.deadline_value, self.deadline_unit)


class ExternalCode(models.Model):
    """Mapping of a local category to an external code (12345 热线 GB/T 39666, 数字城管 GB/T 30428…)."""

    class System(models.TextChoices):
        HOTLINE_12345 = "12345", "12345 政务服务便民热线（GB/T 39666）"
        CITY_MANAGEMENT = "gbt30428", "数字化城市管理（GB/T 30428 / GB/T 47678）"
        OTHER = "other", "其他系统"

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="external_codes", verbose_name="分类")
    system = models.CharField("外部系统", max_length=16, choices=System.choices)
    code = models.CharField("外部代码", max_length=32)
    name = models.CharField("外部名称", max_length=100, blank=True)

    class Meta:
        ordering = ["system", "code"]
        verbose_name = "外部分类代码"
        verbose_name_plural = "外部分类代码"
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="externalcode_unique")]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.code} → {self.category.code}"


class DispatchRule(models.Model):
    """派遣规则: (category, region) → handler. The most specific region wins, then the most specific category."""

    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dispatch_rules",
        verbose_name="分类",
        help_text="小类或大类；留空表示所有分类",
    )
    region = models.ForeignKey(
        "core.Region", on_delete=models.CASCADE, related_name="+", verbose_name="适用区域", help_text="含下级区域"
    )
    region_path = PathField(editable=False)
    handler_kind = models.CharField("处置方类型", max_length=20, choices=HandlerKind.choices)
    organisation = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="处置机构"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="处置人",
    )
    active = models.BooleanField("启用", default=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        ordering = ["region_path", "category__code"]
        verbose_name = "派遣规则"
        verbose_name_plural = "派遣规则"

    def __str__(self) -> str:
        target = self.organisation or self.user or self.get_handler_kind_display()
        return f"{self.category.code if self.category_id else '全部'} @ {self.region} → {target}"

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)


class EventStatus(models.TextChoices):
    PENDING = "pending", "待受理"
    ACCEPTED = "accepted", "已受理"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"
    DISPATCHED = "dispatched", "已派遣"
    PROCESSING = "processing", "处置中"
    SUSPENDED = "suspended", "已挂起"
    RESOLVED = "resolved", "已办结"
    VERIFIED = "verified", "已核查"
    CLOSED = "closed", "已结案"


# What a resident reads for each workflow state (see Event.resident_status): short plain words for the badge, and
# one sentence on what happens next; no 派遣/核查 jargon.
RESIDENT_STATUS = {
    EventStatus.PENDING: "待社区受理",
    EventStatus.ACCEPTED: "已受理",
    EventStatus.REJECTED: "未受理",
    EventStatus.MERGED: "已合并处理",
    EventStatus.DISPATCHED: "已派人处理",
    EventStatus.PROCESSING: "处理中",
    EventStatus.SUSPENDED: "暂停处理",
    EventStatus.RESOLVED: "已处理，核查中",
    EventStatus.CLOSED: "已结案",
}
RESIDENT_STATUS_HINT = {
    "待社区受理": "已收到您反映的问题，社区工作人员会尽快查看并受理。",
    "已受理": "社区已受理，正在安排处理人员。",
    "未受理": "原因见下方“办理进度”。",
    "已合并处理": "与其他居民反映的同一问题一起处理，结果会一并告诉您。",
    "已派人处理": "已安排处理人员，会尽快到场。",
    "处理中": "处理人员正在处理。",
    "返工处理中": "上次的处理结果没有通过，处理人员正在重新处理。",
    "暂停处理": "暂停的原因见下方“办理进度”，恢复后继续处理。",
    "已处理，核查中": "处理人员已报告处理完毕，社区正在核实结果。",
    "已办结，待您评价": "请在下方评价处理结果；不满意时社区会回访。",
    "已办结": "感谢您的评价，即将结案。",
    "待社区回访": "您对结果不满意，社区会联系您了解情况，必要时重新处理。",
    "已结案": "感谢您的参与。",
}

OPEN_STATUSES = (
    EventStatus.PENDING,
    EventStatus.ACCEPTED,
    EventStatus.DISPATCHED,
    EventStatus.PROCESSING,
    EventStatus.SUSPENDED,
)
# States in which the deadline clock runs (from acceptance until the handler reports the result).
TIMED_STATUSES = (EventStatus.ACCEPTED, EventStatus.DISPATCHED, EventStatus.PROCESSING)
FINAL_STATUSES = (EventStatus.REJECTED, EventStatus.MERGED, EventStatus.CLOSED)


class Channel(models.TextChoices):
    RESIDENT_APP = "app", "居民端上报"
    HOTLINE_12345 = "12345", "12345 热线"
    HOTLINE_12319 = "12319", "12319 城建热线"
    PHONE = "phone", "来电"
    WALK_IN = "walk_in", "来访"
    PATROL = "patrol", "网格巡查"
    HOTLINE_IMPORT = "hotline_import", "热线工单导入"
    OPEN311 = "open311", "Open311 接口"
    DEVICE = "device", "设备告警"
    CARE_RULE = "care_rule", "关爱规则"
    API = "api", "其他系统"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"
    DEFAULT = "default", "默认满意"


class Supervision(models.IntegerChoices):
    NONE = 0, "正常"
    WARNED = 1, "预警"
    URGED = 2, "催办"
    SUPERVISED = 3, "督办"


class Event(models.Model):
    """One event from any channel: a complaint, repair, patrol finding, hotline order, alarm or Open311 request."""

    number = models.CharField("事件编号", max_length=20, unique=True)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    # No single-column index on category, reporter_user, handler_user, handler_org: the composite indexes below
    # start with them (fewer indexes to maintain on every insert).
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name="分类",
        db_index=False,
    )
    title = models.CharField("标题", max_length=100)
    description = models.TextField("描述", max_length=4000)
    # Reporter: an account (resident app) and/or a name and phone given on the phone or at the counter.
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_events",
        verbose_name="报告人账号",
        db_index=False,
    )
    reporter_name = models.CharField("报告人", max_length=50, blank=True)
    anonymous = models.BooleanField("对外匿名", default=False, help_text="公开页面显示“匿名”，工作人员可见报告人")
    contact_phone_enc = EncryptedTextField("联系电话（密文）", blank=True, editable=False)
    contact_phone_hash = models.CharField(max_length=40, blank=True, editable=False)
    contact_phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    # Where: any of a house, a building, a point or an address text; resolved to a building and a grid.
    house = models.ForeignKey(
        "housing.House",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="房屋",
        db_index=False,
    )
    building = models.ForeignKey(
        "housing.Building",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="楼栋",
        db_index=False,
    )
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区域")
    region_path = PathField(editable=False)
    needs_triage = models.BooleanField("待分拨（位置不在任何网格）", default=False)

    status = models.CharField("状态", max_length=12, choices=EventStatus.choices, default=EventStatus.PENDING)
    # Status to return to after 恢复 (resume) from 挂起 (suspend).
    suspended_from = models.CharField("挂起前状态", max_length=12, blank=True, editable=False)
    suspended_at = models.DateTimeField("挂起时间", null=True, blank=True)
    handler_kind = models.CharField("处置方类型", max_length=20, choices=HandlerKind.choices, blank=True)
    handler_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_events",
        verbose_name="处置人",
        db_index=False,
    )
    handler_org = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_events",
        verbose_name="处置机构",
        db_index=False,
    )
    urgency = models.CharField("紧急程度", max_length=8, choices=Category.Urgency.choices, default="normal")
    emergency = models.BooleanField("紧急提示", default=False)

    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("派遣时间", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    verified_at = models.DateTimeField("核查时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    due_at = models.DateTimeField("处置时限", null=True, blank=True)
    warn_at = models.DateTimeField("预警时间", null=True, blank=True)
    deadline_estimated = models.BooleanField(
        "时限为估算", default=False, help_text="超出已录入节假日的年份，按普通周末估算"
    )
    supervision = models.PositiveSmallIntegerField("督办级别", choices=Supervision.choices, default=Supervision.NONE)
    flagged = models.BooleanField("挂牌督办", default=False)
    flag_note = models.CharField("挂牌说明", max_length=200, blank=True)
    extension_requested_until = models.DateTimeField("申请延期至", null=True, blank=True)
    extension_reason = models.CharField("延期理由", max_length=200, blank=True)

    result = models.TextField("处置结果", blank=True)
    reject_reason = models.CharField("不予受理理由", max_length=200, blank=True)
    close_note = models.CharField("结案说明", max_length=500, blank=True)
    rating = models.CharField("评价", max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.CharField("评价意见", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    needs_revisit = models.BooleanField("待回访", default=False)
    rework_count = models.PositiveSmallIntegerField("返工次数", default=0)

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
        verbose_name="合并到",
        db_index=False,
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="疑似重复",
        db_index=False,
    )
    media_url = models.URLField("外部图片链接", max_length=500, blank=True, help_text="Open311 客户端提交的 media_url")
    # What Open311 publishes of the resident's text: written by a staff member who reviewed it (see open311/).
    public_description = models.TextField("对外公开描述", max_length=4000, blank=True)
    public_reviewed_at = models.DateTimeField("公开内容审核时间", null=True, blank=True)
    public_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="公开内容审核人",
    )  # fmt: skip
    external_source = models.CharField("外部来源", max_length=20, blank=True)
    external_id = models.CharField("外部编号", max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("上报时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # 站内消息 about this event (``linli.core.notifications``): deleted with it; ``Notification.objects.filter(event=…)``.
    notifications = GenericRelation(
        "core.Notification", content_type_field="target_type", object_id_field="target_id", related_query_name="event"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "事件"
        verbose_name_plural = "事件"
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="event_unique_external_id",
            ),
        ]
        indexes = [
            # The queue and the counts per state: one precise range per status within the scope's path prefix
            # ("C" collation, see PathField), index-only with the sort columns included (PostgreSQL; SQLite
            # ignores INCLUDE). A path-first index could only filter the status inside the whole subtree.
            models.Index(
                fields=["status", "region_path"],
                include=["emergency", "due_at", "created_at", "id"],
                name="event_status_region",
            ),
            models.Index(fields=["status", "due_at"], name="event_status_due"),
            models.Index(fields=["-created_at", "-id"], name="event_created"),
            models.Index(fields=["category", "-created_at"], name="event_category_created"),
            # Partial indexes: a column that is empty on most new events is indexed only where it is set, so
            # a report does not pay for them (lookups by value imply "is set" and use them).
            models.Index(
                fields=["handler_org", "status"], name="event_handler_org", condition=Q(handler_org__isnull=False)
            ),
            models.Index(
                fields=["handler_user", "status"], name="event_handler_user", condition=Q(handler_user__isnull=False)
            ),
            models.Index(
                fields=["reporter_user", "-created_at", "-id"],
                name="event_reporter",
                condition=Q(reporter_user__isnull=False),
            ),
            models.Index(fields=["house"], name="event_house", condition=Q(house__isnull=False)),
            models.Index(fields=["building"], name="event_building", condition=Q(building__isnull=False)),
            models.Index(fields=["parent"], name="event_parent", condition=Q(parent__isnull=False)),
            models.Index(
                fields=["possible_duplicate_of"],
                name="event_possible_duplicate",
                condition=Q(possible_duplicate_of__isnull=False),
            ),
            models.Index(fields=["contact_phone_hash"], name="event_phone_hash", condition=~Q(contact_phone_hash="")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return pk_url("events:event_detail", self.pk)

    @property
    def handler_label(self) -> str:
        if self.handler_user_id:
            return self.handler_user.display_name
        if self.handler_org_id:
            return self.handler_org.name
        return self.get_handler_kind_display() if self.handler_kind else ""

    @property
    def public_reporter(self) -> str:
        """What a public page shows: 匿名 when asked, else a masked name."""
        from linli.core.masking import mask_name

        if self.anonymous:
            return "匿名"
        name = self.reporter_name or (self.reporter_user.display_name if self.reporter_user_id else "")
        return mask_name(name) if name else "匿名"

    @property
    def location_label(self) -> str:
        if self.house_id:
            return str(self.house)
        if self.building_id:
            return str(self.building) + (f"（{self.address}）" if self.address else "")
        if self.address:
            return self.address
        if self.lat is not None:
            return f"{self.lat}, {self.lng}"
        return ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def resident_status(self) -> str:
        """The status in the plain words a resident reads (the console keeps the workflow's terms)."""
        s = EventStatus
        if self.status in (s.DISPATCHED, s.PROCESSING) and self.rework_count:
            return "返工处理中"
        if self.status == s.VERIFIED:
            return "已办结，待您评价" if not self.rating else "已办结"
        if self.needs_revisit and self.status != s.CLOSED:
            return "待社区回访"
        return RESIDENT_STATUS.get(self.status, self.get_status_display())

    @property
    def resident_status_hint(self) -> str:
        """One sentence under the status: what happens next."""
        return RESIDENT_STATUS_HINT.get(self.resident_status, "")

    def is_overdue(self, now=None) -> bool:
        from django.utils import timezone

        now = now or timezone.now()
        return bool(self.due_at and self.status in TIMED_STATUSES and now > self.due_at)


class EventCounter(models.Model):
    """Per-day counter behind the human-readable numbers SJ20261121-0001."""

    day = models.DateField("日期", unique=True)
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "事件编号计数"
        verbose_name_plural = "事件编号计数"


def photo_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"events/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{ext}"


class EventPhoto(models.Model):
    """A photo of the report (上报) or of the result (处置结果); at most 9 of each per event."""

    class Kind(models.TextChoices):
        REPORT = "report", "上报照片"
        RESULT = "result", "处置照片"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos", verbose_name="事件")
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.REPORT)
    image = models.FileField("照片", upload_to=photo_path, max_length=200)
    content_type = models.CharField("格式", max_length=40, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="上传人",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["event", "kind", "pk"]
        verbose_name = "事件照片"
        verbose_name_plural = "事件照片"

    def __str__(self) -> str:
        return f"{self.event.number} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("events:photo", args=[self.pk])


class EventTransition(models.Model):
    """One step of the timeline: who moved the event from which state to which, with a note."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="transitions", verbose_name="事件")
    action = models.CharField("动作", max_length=24)
    action_label = models.CharField("动作名称", max_length=24)
    from_status = models.CharField("原状态", max_length=12, choices=EventStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=EventStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人", max_length=100, blank=True)
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("对报告人公开", default=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["event", "created_at", "pk"]
        verbose_name = "事件流转记录"
        verbose_name_plural = "事件流转记录"

    def __str__(self) -> str:
        return f"{self.event.number} {self.action_label}"


class EventTask(models.Model):
    """吹哨报到: one department's part (牵头 or 协办) of an escalated event, with its own deadline."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头"
        ASSIST = "assist", "协办"

    class Status(models.TextChoices):
        PENDING = "pending", "待报到"
        SIGNED = "signed", "已报到"
        DONE = "done", "已完成"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tasks", verbose_name="事件")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="event_tasks", verbose_name="部门"
    )
    role = models.CharField("角色", max_length=8, choices=Role.choices)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    instructions = models.CharField("任务要求", max_length=500, blank=True)
    due_at = models.DateTimeField("时限", null=True, blank=True)
    result = models.TextField("办理结果", blank=True)
    signed_at = models.DateTimeField("报到时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="办理人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["event", "role", "pk"]
        verbose_name = "吹哨报到任务"
        verbose_name_plural = "吹哨报到任务"
        constraints = [models.UniqueConstraint(fields=["event", "organisation"], name="eventtask_unique_org")]

    def __str__(self) -> str:
        return f"{self.event.number} {self.organisation}（{self.get_role_display()}）"


class ClassificationFeedback(models.Model):
    """A dispatcher's correction of the classifier's suggestion: training data for the next model."""

    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="事件"
    )
    text = models.TextField("文本")
    suggested_code = models.CharField("建议分类", max_length=8, blank=True)
    chosen_code = models.CharField("确认分类", max_length=8)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "分类纠正"
        verbose_name_plural = "分类纠正"

    def __str__(self) -> str:
        return f"{self.suggested_code or '—'} → {self.chosen_code}"


class ApiKey(models.Model):
    """An Open311 / hotline API key issued to a client system (FixMyStreet, a 12345 platform…).

    Only the SHA-256 of the key is stored (the key is 32 random bytes, so a plain hash cannot be reversed), with
    its first characters for recognising it in lists. The key itself is shown once, when it is generated.
    """

    PREFIX_LENGTH = 8

    name = models.CharField("名称", max_length=100)
    key_hash = models.CharField("密钥摘要（SHA-256）", max_length=64, unique=True, editable=False)
    prefix = models.CharField("密钥前缀", max_length=16, editable=False)
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="受理区域",
        help_text="没有位置或位置不在网格内的请求进入该区域的待分拨队列",
    )  # fmt: skip
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate(cls) -> str:
        return secrets.token_urlsafe(32)

    def set_key(self, key: str) -> None:
        self.key_hash = self.hash(key)
        self.prefix = key[: self.PREFIX_LENGTH]

    @classmethod
    def lookup(cls, key: str) -> "ApiKey | None":
        """The active key matching ``key``, or None."""
        if not key:
            return None
        return API_KEYS.first(key_hash=cls.hash(key))


def _active_key(key_hash):
    qs = ApiKey.objects.filter(key_hash=key_hash, active=True).select_related("region")
    return (qs if qs.ordered else qs.order_by("pk"))[:1]  # as .first() would


API_KEYS = CompiledQuery(ApiKey, _active_key, key_hash=(ApiKey, "key_hash"))
