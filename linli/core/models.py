"""The scope tree (regions), organisations, users and their grants, and the audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from treebeard.mp_tree import MP_Node

from linli.core import crypto, masking
from linli.core.compiled import CompiledQuery
from linli.core.fields import EncryptedTextField, PathField, PrefixSearchField
from linli.core.roles import ROLE_SCOPE, SCOPE_ALL, SCOPE_ORG, SCOPE_REGION, STAFF_ROLES, Role


class RegionLevel(models.Model):
    """A level of the tree (区, 街道, 社区, 网格, 十联户): data, so a city can add 片区 or 楼长."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    depth = models.PositiveSmallIntegerField("层级", unique=True, help_text="1 为最高一级")

    class Meta:
        ordering = ["depth"]
        verbose_name = "区域层级"
        verbose_name_plural = "区域层级"

    def __str__(self) -> str:
        return self.name


class Region(MP_Node):
    """One node of the scope tree: 区 → 街道 → 社区 → 网格 → 十联户."""

    path = PathField(unique=True, db_index=False)
    name = models.CharField("名称", max_length=100)
    level = models.ForeignKey(RegionLevel, on_delete=models.PROTECT, verbose_name="层级")
    code = models.CharField("区划代码", max_length=32, blank=True)
    # WGS-84. A grid carries its boundary polygon: [[lng, lat], ...] (GeoJSON order), closed or open.
    boundary = models.JSONField("边界", null=True, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    # 十联户 units name their 联户长; other levels may name a responsible person too.
    leader_name = models.CharField("负责人/联户长", max_length=50, blank=True)
    leader_user = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="负责人账号"
    )

    # No node_order_by: sorted inserts would renumber sibling paths, and paths are copied into
    # region_path columns everywhere. New nodes are appended; paths never change once given.

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:region_detail", args=[self.pk])

    @property
    def region_path(self) -> str:
        return self.path

    def full_name(self) -> str:
        names = [a.name for a in self.get_ancestors()] + [self.name]
        return " / ".join(names)


class Organisation(models.Model):
    """A body whose staff hold grants over what is sent to it: 职能部门, 物业公司, 社区服务中心."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "职能部门"
        PROPERTY = "property", "物业公司"
        SERVICE_CENTRE = "service_centre", "社区服务中心"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="所属区域", related_name="organisations")
    region_path = PathField(editable=False)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "机构"
        verbose_name_plural = "机构"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="organisation_unique_name")]

    def __str__(self) -> str:
        return self.name


class LinliUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username=username)


class User(AbstractUser):
    """A personal account. Logs in by username or mainland mobile number."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone_enc = EncryptedTextField("手机号（密文）", blank=True, editable=False)
    phone_hash = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField("手机号", max_length=20, blank=True, editable=False)
    # Honoured only when settings.DEMO_MODE is on: lets demo staff skip TOTP on a laptop.
    otp_exempt = models.BooleanField("演示账号免二次验证", default=False)
    # A generated initial password (linli_init) works once: the first session must replace it.
    password_must_change = models.BooleanField("须修改初始密码", default=False)

    objects = LinliUserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def set_phone(self, phone: str) -> None:
        self.phone_enc = crypto.encrypt(phone)
        self.phone_hash = crypto.blind_index(phone, "phone")
        self.phone_masked = masking.mask_phone(phone)

    # Grants are read once per request and cached on the instance (SQL compiled once per process: GRANTS).
    def active_grants(self) -> list["Grant"]:
        if not hasattr(self, "_grants_cache"):
            grants = GRANTS.fetch(user_id=self.pk, hints={"instance": self})
            user_field = Grant._meta.get_field("user")
            for grant in grants:
                user_field.set_cached_value(grant, self)
            self._grants_cache = grants
        return self._grants_cache

    def roles(self) -> set[str]:
        roles = {g.role for g in self.active_grants()}
        if self.is_superuser:
            roles.add(Role.ADMIN)
        return roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    @property
    def is_staff_role(self) -> bool:
        return bool(self.roles() & STAFF_ROLES)

    def primary_grant(self) -> "Grant | None":
        grants = self.active_grants()
        return grants[0] if grants else None


class Grant(models.Model):
    """A role held over a region, an organisation, or (residents) over the holder's own records."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name="用户")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, verbose_name="区域")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE, verbose_name="机构")
    valid_until = models.DateTimeField("有效期至", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "授权"
        verbose_name_plural = "授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region", "organisation"], name="grant_unique"),
        ]

    def __str__(self) -> str:
        # An auditor's or administrator's grant covers the whole platform, not "oneself".
        anchor = self.region or self.organisation or ("全平台" if ROLE_SCOPE.get(self.role) == SCOPE_ALL else "本人")
        return f"{self.get_role_display()} · {anchor}"

    def clean(self):
        from django.core.exceptions import ValidationError

        scope = ROLE_SCOPE.get(self.role)
        if scope == SCOPE_REGION and not self.region_id:
            raise ValidationError({"region": "该角色需要指定区域"})
        if scope == SCOPE_ORG and not self.organisation_id:
            raise ValidationError({"organisation": "该角色需要指定机构"})


def _active_grants(user_id):
    return (
        Grant.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=models.functions.Now()), user_id=user_id)
        .select_related("region", "organisation")
        .order_by("pk")
    )


GRANTS = CompiledQuery(Grant, _active_grants, user_id=(Grant, "user"))


class AuditLog(models.Model):
    """Append-only record of a business event on personal data: unmask, export, import, login…"""

    class Action(models.TextChoices):
        UNMASK = "unmask", "查看明文"
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"
        VIEW_SENSITIVE = "view_sensitive", "查看敏感信息"
        SEARCH = "search", "精确查询"
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        GRANT = "grant", "授权变更"
        OTP_ENROL = "otp_enrol", "启用二次验证"
        OTP_REPLACE = "otp_replace", "更换二次验证设备"
        OTP_RESET = "otp_reset", "重置二次验证"
        TOKEN_ISSUE = "token_issue", "签发接口令牌"
        TOKEN_REVOKE = "token_revoke", "吊销接口令牌"
        OTHER = "other", "其他"

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("动作", max_length=20, choices=Action.choices, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=200, blank=True)
    field = models.CharField("字段", max_length=64, blank=True)
    reason = models.CharField("事由", max_length=500, blank=True)
    result = models.CharField("结果", max_length=32, default="ok")
    ip = models.GenericIPAddressField("来源 IP", null=True, blank=True)
    extra = models.JSONField("附加信息", default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "访问记录"
        verbose_name_plural = "访问记录"
        indexes = [models.Index(fields=["target_type", "target_id"], name="auditlog_target")]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display()} {self.target_repr}"

    RESULT_LABELS = {"ok": "成功", "denied": "拒绝", "failed": "失败", "rejected": "未通过"}

    @property
    def result_label(self) -> str:
        """The result in words for the 访问记录 page (the column keeps short codes)."""
        return self.RESULT_LABELS.get(self.result, self.result)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("访问记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("访问记录只能追加，不能删除")


class AccountNotice(models.Model):
    """A security message to an account's owner (second factor reset, tokens revoked), shown at next login.

    It lives in ``core`` because the in-app inbox belongs to a higher layer (events) that core must not import.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_notices", verbose_name="用户")
    message = models.CharField("内容", max_length=500)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    seen_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "账号安全提醒"
        verbose_name_plural = "账号安全提醒"

    def __str__(self) -> str:
        return self.message


class ObjectChange(models.Model):
    """Generic change log: who changed which record, when, and the values before and after."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("动作", max_length=10, choices=Action.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField("对象", max_length=200)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"], name="objectchange_target")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("变更记录只能追加，不能修改")
        super().save(*args, **kwargs)


class StatusTransition(models.Model):
    """Base of every workflow's transition row: who moved it, from which status to which, when, and why.

    Subclasses add the foreign key to their record and the ``from_status``/``to_status`` columns, and name
    the status choices in ``status_choices`` so the row can print its labels.
    """

    status_choices: type[models.TextChoices] | None = None

    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人")
    note = models.CharField("说明", max_length=500, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_label} → {self.to_label}"

    def _label(self, value: str) -> str:
        if not value:
            return "—"
        return self.status_choices(value).label if self.status_choices else value

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


# --- the working calendar (linli.core.calendar) ---------------------------------------------------------


class HolidayYear(models.Model):
    """A year whose official holiday notice has been entered: beyond it, deadlines fall back to weekends."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    published = models.BooleanField("已录入官方安排", default=True)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        db_table = "events_holidayyear"  # moved from events: the table keeps its name
        ordering = ["year"]
        verbose_name = "节假日年度"
        verbose_name_plural = "节假日年度"

    def __str__(self) -> str:
        return f"{self.year} 年"


class Holiday(models.Model):
    """One day that differs from the plain weekday/weekend rule: a holiday (off) or a 调休 working day."""

    class Kind(models.TextChoices):
        OFF = "off", "放假"
        WORK = "work", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=4, choices=Kind.choices)
    name = models.CharField("名称", max_length=50)

    class Meta:
        db_table = "events_holiday"  # moved from events: the table keeps its name
        ordering = ["date"]
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"


# --- messages (linli.core.notifications) ---------------------------------------------------------------------


class Notification(models.Model):
    """站内消息: one message in a user's inbox (console or resident app), about any record (its ``target``)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="接收人"
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="对象类型"
    )
    target_id = models.PositiveBigIntegerField("对象编号", null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    kind = models.CharField("类型", max_length=24)
    title = models.CharField("标题", max_length=100)
    body = models.CharField("内容", max_length=500, blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="core_notification_inbox"),
            models.Index(fields=["target_type", "target_id"], name="core_notification_target"),
        ]

    def __str__(self) -> str:
        return self.title


class OutboundMessage(models.Model):
    """A message handed to an external channel (SMS, WeChat subscription message); the 'log' backend stops here."""

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        WECHAT = "wechat", "微信订阅消息"
        HOTLINE = "hotline", "12345 热线回传"

    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    backend = models.CharField("发送方式", max_length=20)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="接收人",
    )
    to_masked = models.CharField("接收号码", max_length=40, blank=True)
    template = models.CharField("模板", max_length=40)
    params = models.JSONField("参数", default=dict)
    status = models.CharField("状态", max_length=12, default="sent")
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="对象类型"
    )
    target_id = models.PositiveBigIntegerField("对象编号", null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "外发消息"
        verbose_name_plural = "外发消息"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.template} → {self.to_masked}"


class Tally(models.Model):
    """An incremental counter: how many records of a kind have ``key`` at region ``region_path`` on ``day``.

    Kept by ``linli.core.tallies`` after each write commits, for every ancestor of the record's region (so a
    district's figure is one row per key and day, never a scan); ``day`` is ``tallies.STATE_DAY`` for counts of
    a current state (events per status). ``manage.py recount_tallies`` rebuilds them from the records."""

    region_path = models.CharField("区域路径", max_length=255)  # exact matches only: not a scoped PathField
    day = models.DateField("日期")
    # "C" collation on PostgreSQL: the figures of a kind are read by key prefix (``key LIKE 'event.status:%'``), a
    # range of the unique index only under it (otherwise every key and day of the region was read: 0.5 s a district).
    key = PrefixSearchField("指标", max_length=80)
    n = models.BigIntegerField("数量", default=0)

    class Meta:
        verbose_name = "计数"
        verbose_name_plural = "计数"
        constraints = [models.UniqueConstraint(fields=["region_path", "key", "day"], name="tally_unique")]


class TallyPending(models.Model):
    """A record whose counters are not brought up to date yet: ``tallies.touch`` queues it in the write's own
    transaction (one short INSERT), ``tallies.fold`` applies the queue in batches (before figures are read, and
    every minute from the job queue)."""

    kind = models.CharField("类型", max_length=32)
    object_id = models.BigIntegerField("记录")

    class Meta:
        verbose_name = "待计入的记录"
        verbose_name_plural = "待计入的记录"


class TallyMark(models.Model):
    """What one record last contributed to the tallies, so a later write adds only the difference."""

    kind = models.CharField("类型", max_length=32)
    object_id = models.BigIntegerField("记录")
    facts = models.JSONField("计入的指标", default=list)

    class Meta:
        verbose_name = "计数来源"
        verbose_name_plural = "计数来源"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="tally_mark_unique")]
