"""Models of participation's notices part: 通知公告 with targeting and receipts, and 学习资料 with study time."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from linli.core.fields import PathField

__all__ = [
    "LearningMaterial",
    "Notice",
    "NoticeAttachment",
    "NoticeDelivery",
    "StudyDay",
    "StudyProgress",
]


class Notice(models.Model):
    """一条通知公告: placed in a region, reaching the people its audience names (delivery rows = receipts)."""

    class Kind(models.TextChoices):
        NORMAL = "normal", "通知"
        POLICY = "policy", "政策"
        EMERGENCY = "emergency", "紧急通知"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "待发布"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"

    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="发布范围")
    region_path = PathField(editable=False)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文", max_length=20000)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.NORMAL)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    # What the notice targets inside its region: {"regions": [...], "compounds": [...], "buildings": [...],
    # "tags": [...], "roles": [...], "party_members": bool, "volunteers": bool} (see audience.py).
    audience = models.JSONField("发送对象", default=dict, blank=True)
    audience_label = models.CharField("发送对象说明", max_length=300, blank=True)
    author = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="发布人"
    )
    publish_at = models.DateTimeField("定时发布时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)
    pinned = models.BooleanField("置顶", default=False)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="撤回人"
    )
    # The record the notice is about (a deliberation matter, a vote): shown as a link.
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_id = models.CharField(max_length=40, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField("相关事项", max_length=200, blank=True)
    source_url = models.CharField("相关事项链接", max_length=300, blank=True)
    recipients = models.PositiveIntegerField("发送人数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-pinned", "-published_at", "-pk"]
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"
        indexes = [
            models.Index(fields=["region_path", "-published_at"], name="notice_region_published"),
            models.Index(fields=["status", "publish_at"], name="notice_status_due"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:notice_detail", args=[self.pk])

    @property
    def is_emergency(self) -> bool:
        return self.kind == self.Kind.EMERGENCY

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def state_label(self) -> str:
        if self.status == self.Status.PUBLISHED and self.is_expired:
            return "已过期"
        return self.get_status_display()


class NoticeAttachment(models.Model):
    """A file attached to a notice, kept through core.attachments (served only to those who may see the notice)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name="通知")
    name = models.CharField("文件名", max_length=200)
    key = models.CharField("存储位置", max_length=300)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "通知附件"
        verbose_name_plural = "通知附件"

    def __str__(self) -> str:
        return self.name


class NoticeDelivery(models.Model):
    """One recipient of a published notice: written at publish time, it is also the read receipt."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name="通知")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="居民"
    )
    user = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="账号"
    )
    # Where the recipient lives (their grid) when the notice went out: the grid worker's 未读名单 groups by it.
    grid = models.ForeignKey(
        "core.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="网格"
    )
    region_path = PathField(editable=False, blank=True)
    delivered_at = models.DateTimeField("送达时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    informed_at = models.DateTimeField("上门告知时间", null=True, blank=True)
    informed_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="上门告知人"
    )

    class Meta:
        ordering = ["region_path", "pk"]
        verbose_name = "通知送达"
        verbose_name_plural = "通知送达"
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "person"], condition=models.Q(person__isnull=False), name="delivery_one_per_person"
            ),
            models.UniqueConstraint(
                fields=["notice", "user"], condition=models.Q(user__isnull=False), name="delivery_one_per_user"
            ),
        ]
        indexes = [models.Index(fields=["notice", "read_at"], name="delivery_notice_read")]

    def __str__(self) -> str:
        return f"{self.notice} → {self.person_id or self.user_id}"

    @property
    def reached(self) -> bool:
        return self.read_at is not None or self.informed_at is not None


class LearningMaterial(models.Model):
    """学习资料: an article, a video link or a document, assigned to groups, with study time tracked per person."""

    class Kind(models.TextChoices):
        ARTICLE = "article", "文章"
        VIDEO = "video", "视频"
        DOCUMENT = "document", "文档"

    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="发布范围")
    region_path = PathField(editable=False)
    title = models.CharField("标题", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.ARTICLE)
    body = models.TextField("内容", max_length=50000, blank=True)
    url = models.URLField("视频链接", max_length=500, blank=True)
    file_name = models.CharField("文档名称", max_length=200, blank=True)
    file_key = models.CharField("文档存储位置", max_length=300, blank=True)
    minutes_required = models.PositiveSmallIntegerField("要求学习时长（分钟）", default=10)
    audience = models.JSONField("学习对象", default=dict, blank=True)
    audience_label = models.CharField("学习对象说明", max_length=300, blank=True)
    author = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="发布人"
    )
    assigned = models.PositiveIntegerField("应学人数", default=0)
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "学习资料"
        verbose_name_plural = "学习资料"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:learningmaterial_detail", args=[self.pk])


class StudyProgress(models.Model):
    """One person's progress on one material: total seconds studied and when it was completed."""

    material = models.ForeignKey(
        LearningMaterial, on_delete=models.CASCADE, related_name="progress", verbose_name="学习资料"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name="学习人")
    region_path = PathField(editable=False, blank=True)
    seconds = models.PositiveIntegerField("累计学习时长（秒）", default=0)
    last_at = models.DateTimeField("最近学习", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["region_path", "pk"]
        verbose_name = "学习进度"
        verbose_name_plural = "学习进度"
        constraints = [models.UniqueConstraint(fields=["material", "person"], name="study_one_per_person")]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.material}"

    @property
    def minutes(self) -> int:
        return self.seconds // 60


class StudyDay(models.Model):
    """Seconds studied on one day: a person's study time per year adds these up (party members' learning)."""

    progress = models.ForeignKey(StudyProgress, on_delete=models.CASCADE, related_name="days", verbose_name="学习进度")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name="学习人")
    day = models.DateField("日期")
    seconds = models.PositiveIntegerField("学习时长（秒）", default=0)

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = "每日学习时长"
        verbose_name_plural = "每日学习时长"
        constraints = [models.UniqueConstraint(fields=["progress", "day"], name="study_one_row_per_day")]
        indexes = [models.Index(fields=["person", "day"], name="study_person_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.seconds}s"
