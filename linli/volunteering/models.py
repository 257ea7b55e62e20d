"""Micro-wishes (微心愿), volunteers and teams, activities with sign-ups and service hours, and 爱心积分."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from linli.core.fields import PathField
from linli.core.masking import mask_name
from linli.core.models import StatusTransition

STAR_LEVELS = (100, 300, 600, 1000, 1500)  # 民政部令第67号 practice: 一星 … 五星志愿者


def star_for(hours: Decimal) -> int:
    """The star level (0–5) that ``hours`` of confirmed service reach."""
    return sum(1 for level in STAR_LEVELS if hours >= level)


class Team(models.Model):
    """志愿服务队: 党员、青年、老年… with a leader, in a community."""

    class Kind(models.TextChoices):
        PARTY = "party", "党员志愿服务队"
        YOUTH = "youth", "青年志愿服务队"
        ELDER = "elder", "老年志愿服务队"
        OTHER = "other", "其他服务队"

    name = models.CharField("队名", max_length=60)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.OTHER)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属社区")
    region_path = PathField(editable=False)
    leader = models.ForeignKey(
        "volunteering.Volunteer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="队长",
    )  # fmt: skip
    description = models.CharField("简介", max_length=200, blank=True)
    created_at = models.DateTimeField("成立时间", auto_now_add=True)

    class Meta:
        ordering = ["region_path", "name"]
        verbose_name = "志愿服务队"
        verbose_name_plural = "志愿服务队"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="volunteering_team_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteering:team_detail", args=[self.pk])


class Volunteer(models.Model):
    """A registered volunteer: one account, linked to the person register, registered with consent."""

    class Status(models.TextChoices):
        ACTIVE = "active", "在册"
        LEFT = "left", "已退出"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer", verbose_name="账号"
    )
    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="人员"
    )
    name = models.CharField("姓名", max_length=50)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区域")
    region_path = PathField(editable=False)
    teams = models.ManyToManyField(Team, blank=True, related_name="members", verbose_name="服务队")
    is_party_member = models.BooleanField("党员", default=False)
    skills = models.CharField("特长", max_length=200, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ACTIVE)
    consent_at = models.DateTimeField("同意记录服务信息的时间")
    consent_text = models.CharField("同意的内容", max_length=300)
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    class Meta:
        ordering = ["region_path", "name", "pk"]
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteering:volunteer_detail", args=[self.pk])

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


class Wish(models.Model):
    """微心愿: a resident's small need, reviewed and published by staff, claimed, fulfilled and confirmed."""

    class Status(models.TextChoices):
        PENDING_REVIEW = "pending_review", "待审核"
        OPEN = "open", "待认领"
        CLAIMED = "claimed", "已认领"
        FULFILLED = "fulfilled", "已实现待确认"
        DONE = "done", "已完成"
        REJECTED = "rejected", "未通过审核"
        WITHDRAWN = "withdrawn", "已撤回"

    class Category(models.TextChoices):
        DAILY = "daily", "生活用品"
        STUDY = "study", "学习助学"
        HELP = "help", "生活帮扶"
        COMPANY = "company", "陪伴关爱"
        REPAIR = "repair", "小修小补"
        OTHER = "other", "其他"

    title = models.CharField("心愿", max_length=60)
    content = models.CharField("具体需求", max_length=500, blank=True)
    category = models.CharField("类别", max_length=8, choices=Category.choices, default=Category.OTHER)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区域")
    region_path = PathField(editable=False)
    # Who the wish is for: shown masked on the wall (张*), never for a minor (一位小朋友).
    beneficiary_name = models.CharField("心愿人", max_length=50)
    beneficiary = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="心愿人档案"
    )
    is_minor = models.BooleanField("未成年人", default=False)
    address = models.CharField("联系地址", max_length=100, blank=True, help_text="只给认领人和工作人员看")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="心愿人账号",
    )  # fmt: skip
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="登记人"
    )
    on_behalf = models.BooleanField("工作人员代登记", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING_REVIEW)
    claimer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="认领人",
    )  # fmt: skip
    claim_deadline = models.DateTimeField("认领后完成期限", null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="派单给",
    )  # fmt: skip
    assigned_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="wishes", verbose_name="派单服务队"
    )
    fulfil_note = models.CharField("实现情况", max_length=500, blank=True)
    fulfil_photo = models.FileField("实现照片", upload_to="volunteering/wishes/%Y/%m/", blank=True)
    service_hours = models.DecimalField("服务时长（小时）", max_digits=5, decimal_places=1, default=Decimal("0"))
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    fulfilled_at = models.DateTimeField("实现时间", null=True, blank=True)
    done_at = models.DateTimeField("确认时间", null=True, blank=True)
    reminded_at = models.DateTimeField("最近提醒时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "微心愿"
        verbose_name_plural = "微心愿"
        indexes = [models.Index(fields=["status", "region_path"], name="volunteering_wish_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("volunteering:wish_detail", args=[self.pk])

    @property
    def public_name(self) -> str:
        """The name on the wall: 张*; a minor's never (一位小朋友)."""
        return "一位小朋友" if self.is_minor else mask_name(self.beneficiary_name)


class WishClaim(models.Model):
    """One claim of a wish. At most one active claim per wish, enforced by the database."""

    class End(models.TextChoices):
        FULFILLED = "fulfilled", "已实现"
        GIVEN_UP = "given_up", "主动放弃"
        EXPIRED = "expired", "逾期收回"

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="claims", verbose_name="微心愿")
    claimer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="认领人"
    )
    claimer_name = models.CharField("认领人", max_length=50)
    dispatched = models.BooleanField("社区派单", default=False)
    active = models.BooleanField("进行中", default=True)
    claimed_at = models.DateTimeField("认领时间", auto_now_add=True)
    deadline = models.DateTimeField("完成期限")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end = models.CharField("结束方式", max_length=10, choices=End.choices, blank=True)
    reason = models.CharField("放弃原因", max_length=200, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        verbose_name = "认领记录"
        verbose_name_plural = "认领记录"
        constraints = [
            models.UniqueConstraint(
                fields=["wish"], condition=Q(active=True), name="volunteering_one_active_claim_per_wish"
            )
        ]

    def __str__(self) -> str:
        return f"{self.claimer_name} 认领 {self.wish_id}"


class WishTransition(StatusTransition):
    status_choices = Wish.Status

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField("原状态", max_length=16, choices=Wish.Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=Wish.Status.choices)

    class Meta(StatusTransition.Meta):
        verbose_name = "微心愿流转"
        verbose_name_plural = "微心愿流转"


def _token() -> str:
    return secrets.token_urlsafe(16)


class Activity(models.Model):
    """A volunteer activity with a quota, a waiting list, and QR check-in/out; the organiser confirms hours."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "报名中"
        FINISHED = "finished", "已结束"
        CANCELLED = "cancelled", "已取消"

    class Category(models.TextChoices):
        SERVICE = "service", "志愿服务"
        CULTURE = "culture", "文化活动"
        CARE = "care", "关爱帮扶"
        ENVIRONMENT = "environment", "环境整治"
        SAFETY = "safety", "平安巡逻"

    title = models.CharField("活动名称", max_length=80)
    category = models.CharField("类别", max_length=12, choices=Category.choices, default=Category.SERVICE)
    description = models.CharField("活动内容", max_length=500, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities", verbose_name="服务队"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="组织者"
    )
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区域")
    region_path = PathField(editable=False)
    place = models.CharField("地点", max_length=100)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    quota = models.PositiveIntegerField("名额")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    points_per_hour = models.DecimalField("每小时爱心积分", max_digits=6, decimal_places=2, default=Decimal("10"))
    checkin_token = models.CharField(max_length=32, default=_token, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = "志愿活动"
        verbose_name_plural = "志愿活动"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="volunteering_activity_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("volunteering:activity_detail", args=[self.pk])


class Signup(models.Model):
    """One volunteer on one activity: signed up or waiting, then checked in and out, hours confirmed."""

    class Status(models.TextChoices):
        SIGNED = "signed", "已报名"
        WAITING = "waiting", "候补"
        CANCELLED = "cancelled", "已取消"

    class Hours(models.TextChoices):
        NONE = "none", "未计时"
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"
        REJECTED = "rejected", "不予认定"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups", verbose_name="活动")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups", verbose_name="志愿者")
    status = models.CharField("报名状态", max_length=10, choices=Status.choices)
    signed_at = models.DateTimeField("报名时间", auto_now_add=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    hours = models.DecimalField("服务时长（小时）", max_digits=5, decimal_places=1, null=True, blank=True)
    hours_status = models.CharField("时长状态", max_length=10, choices=Hours.choices, default=Hours.NONE)
    hours_note = models.CharField("时长说明", max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="确认人",
    )  # fmt: skip
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="volunteering_one_signup")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"


class ServiceRecord(models.Model):
    """志愿服务记录: confirmed hours, append-only. A correction after confirmation is a new row (a difference)."""

    class Source(models.TextChoices):
        ACTIVITY = "activity", "志愿活动"
        WISH = "wish", "微心愿"
        CORRECTION = "correction", "时长更正"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="志愿者账号"
    )
    name = models.CharField("姓名", max_length=50)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    signup = models.ForeignKey(Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    wish = models.ForeignKey(Wish, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    content = models.CharField("服务内容", max_length=120)
    place = models.CharField("服务地点", max_length=100, blank=True)
    served_on = models.DateField("服务日期")
    hours = models.DecimalField("时长（小时）", max_digits=6, decimal_places=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="记录人"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["-served_on", "-pk"]
        verbose_name = "志愿服务记录"
        verbose_name_plural = "志愿服务记录"

    def __str__(self) -> str:
        return f"{self.name} {self.served_on} {self.hours} 小时"


class HoursCorrection(models.Model):
    """A volunteer asks the organiser to correct the hours of a sign-up (民政部令第67号: 记录有误可申请更正)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        APPROVED = "approved", "已更正"
        REJECTED = "rejected", "不予更正"

    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, related_name="corrections", verbose_name="报名")
    requested_hours = models.DecimalField("申请时长（小时）", max_digits=5, decimal_places=1)
    reason = models.CharField("理由", max_length=300)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="处理人",
    )  # fmt: skip
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.CharField("处理意见", max_length=300, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "时长更正申请"
        verbose_name_plural = "时长更正申请"
        constraints = [
            models.UniqueConstraint(
                fields=["signup"], condition=Q(status="pending"), name="volunteering_one_pending_correction"
            )
        ]


class Certificate(models.Model):
    """志愿服务证明: hours up to its issue date, verifiable by its public code without personal data."""

    code = models.CharField("验证码", max_length=32, unique=True, default=_token, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    hours = models.DecimalField("累计时长（小时）", max_digits=7, decimal_places=1)
    star = models.PositiveSmallIntegerField("星级")
    issued_at = models.DateTimeField("开具时间", auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = "志愿服务证明"
        verbose_name_plural = "志愿服务证明"

    def __str__(self) -> str:
        return f"{self.name} {self.hours} 小时"


# --- 爱心积分: a double-entry ledger ---------------------------------------------------------------------------


class PointAccount(models.Model):
    """A ledger account: a person's points, or the community's issuing / redemption accounts."""

    class Kind(models.TextChoices):
        PERSON = "person", "个人积分"
        ISSUE = "issue", "积分发放"
        REDEEM = "redeem", "积分兑换"

    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名称", max_length=50)

    class Meta:
        verbose_name = "积分账户"
        verbose_name_plural = "积分账户"
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(user__isnull=True), name="volunteering_one_system_account"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PointEntry(models.Model):
    """One ledger entry: its postings sum to zero. A reversal is a new entry pointing at the one it reverses."""

    memo = models.CharField("摘要", max_length=120)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="经办人"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", verbose_name="冲正"
    )
    signup = models.ForeignKey(Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    wish = models.ForeignKey(Wish, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "积分凭证"
        verbose_name_plural = "积分凭证"

    def __str__(self) -> str:
        return self.memo


class PointPosting(models.Model):
    entry = models.ForeignKey(PointEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="postings")
    amount = models.DecimalField("积分", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "积分分录"
        verbose_name_plural = "积分分录"
        indexes = [models.Index(fields=["account", "entry"], name="volunteering_posting_account")]


class Reward(models.Model):
    """What points buy: a community service or a merchant's voucher."""

    class Kind(models.TextChoices):
        SERVICE = "service", "社区服务"
        VOUCHER = "voucher", "商家代金券"

    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    provider = models.CharField("提供方", max_length=60, blank=True)
    cost = models.DecimalField("所需积分", max_digits=8, decimal_places=2)
    stock = models.PositiveIntegerField("库存")
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属社区")
    region_path = PathField(editable=False)
    active = models.BooleanField("上架", default=True)

    class Meta:
        ordering = ["cost", "pk"]
        verbose_name = "兑换项目"
        verbose_name_plural = "兑换项目"

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    entry = models.OneToOneField(PointEntry, on_delete=models.PROTECT, related_name="redemption")
    code = models.CharField("兑换码", max_length=32, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField("兑换时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "积分兑换"
        verbose_name_plural = "积分兑换"
