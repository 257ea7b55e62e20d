"""The personal-data protections (PIPL): correction requests, consent, retention policies and legal holds.

These models lived in ``dataio`` before; their tables keep the old names (``dataio_*``) so installations keep
their data.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from linli.core.fields import EncryptedTextField, PathField
from linli.core.models import StatusTransition

AUDIT_MINIMUM_DAYS = 183  # Cybersecurity Law Art. 21: network logs kept for at least six months.


class CorrectionRequest(models.Model):
    """A resident asks to correct what the platform holds about them (PIPL Art. 46), handled in scope."""

    class Field(models.TextChoices):
        NAME = "name", "姓名"
        ID_NUMBER = "id_number", "证件号码"
        PHONE = "phone", "联系电话"
        ETHNICITY = "ethnicity", "民族"
        HUKOU_ADDRESS = "hukou_address", "户籍地"
        POLITICAL_STATUS = "political_status", "政治面貌"
        WORKPLACE = "workplace", "工作单位"
        ADDRESS = "address", "住址/人房关系"
        HOUSEHOLD = "household", "户/与户主关系"
        TAG = "tag", "标签"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待处理"
        ACCEPTED = "accepted", "已更正"
        REJECTED = "rejected", "不予更正"
        WITHDRAWN = "withdrawn", "已撤回"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name="人员")
    region_path = PathField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    field = models.CharField("更正项", max_length=20, choices=Field.choices)
    current = models.CharField("当前内容", max_length=200, blank=True, help_text="证件号码与电话为脱敏值")
    requested = models.CharField("申请更正为", max_length=200, help_text="证件号码与电话为脱敏值")
    requested_enc = EncryptedTextField("申请更正为（密文）", blank=True, editable=False)
    reason = models.CharField("理由", max_length=500)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="处理人",
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    reply = models.CharField("答复", max_length=500, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)

    class Meta:
        db_table = "dataio_correctionrequest"
        ordering = ["-created_at", "-pk"]
        verbose_name = "更正申请"
        verbose_name_plural = "更正申请"

    def __str__(self) -> str:
        return f"{self.person} · {self.get_field_display()} 更正申请"

    def get_absolute_url(self) -> str:
        return reverse("privacy:correction_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SUBMITTED


class CorrectionTransition(StatusTransition):
    request = models.ForeignKey(
        CorrectionRequest, on_delete=models.CASCADE, related_name="transitions", verbose_name="更正申请"
    )
    from_status = models.CharField("原状态", max_length=10, blank=True)
    to_status = models.CharField("新状态", max_length=10)

    status_choices = CorrectionRequest.Status

    class Meta(StatusTransition.Meta):
        db_table = "dataio_correctiontransition"
        verbose_name = "更正申请状态变更"
        verbose_name_plural = "更正申请状态变更"


class ConsentPurpose(models.TextChoices):
    FACE = "face", "人脸信息（门禁）"
    HEALTH = "health", "健康等敏感标签"
    MINOR = "minor", "未满十四周岁未成年人信息"
    OTHER = "other", "其他敏感个人信息"


class ConsentText(models.Model):
    """A version of the consent wording for one purpose; a retired version no longer counts as consent."""

    purpose = models.CharField("用途", max_length=10, choices=ConsentPurpose.choices)
    version = models.CharField("版本", max_length=20)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("告知与同意内容")
    effective_from = models.DateField("生效日期", default=dt.date.today)
    is_active = models.BooleanField("有效", default=True, help_text="停用后，依据该版本取得的同意不再有效，需重新取得")

    class Meta:
        db_table = "dataio_consenttext"
        ordering = ["purpose", "-effective_from"]
        verbose_name = "同意书文本"
        verbose_name_plural = "同意书文本"
        constraints = [models.UniqueConstraint(fields=["purpose", "version"], name="consenttext_unique_version")]

    def __str__(self) -> str:
        return f"{self.title}（{self.version}）"


class ConsentRecord(models.Model):
    """One grant or withdrawal of separate consent (PIPL Art. 29); under 14 a guardian decides (Art. 31).

    Append-only: a withdrawal is a new row. The latest row for (person, purpose, tag) is what holds now.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name="本人")
    region_path = PathField(blank=True)
    purpose = models.CharField("用途", max_length=10, choices=ConsentPurpose.choices)
    tag = models.ForeignKey(
        "people.Tag",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="标签",
        help_text="为空表示该用途下所有需同意的标签",
    )
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="records", verbose_name="同意书版本")
    version = models.CharField("同意书版本号", max_length=20)
    granted = models.BooleanField("同意", help_text="否表示撤回同意")
    guardian = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="监护人",
        help_text="为空表示本人作出",
    )
    evidence = models.CharField(
        "凭证", max_length=300, help_text="如：纸质同意书编号、签字扫描件存放位置、线上勾选记录"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        db_table = "dataio_consentrecord"
        ordering = ["-at", "-pk"]
        verbose_name = "同意记录"
        verbose_name_plural = "同意记录"

    def __str__(self) -> str:
        return f"{self.person} · {self.get_purpose_display()} · {'同意' if self.granted else '撤回'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("同意记录只能追加，不能修改")
        super().save(*args, **kwargs)

    @property
    def given_by(self) -> str:
        return f"监护人 {self.guardian.name}" if self.guardian_id else "本人"


class RetentionPolicy(models.Model):
    """How long one kind of record is kept before the nightly purge removes it.

    The kinds are what the apps registered (``m.retention(RetentionKind(...))``, see ``core/modules.py``): no
    choices on the column, so a new kind needs no migration; ``privacy.services.retention_set`` checks the key.
    """

    kind = models.CharField("记录类型", max_length=20, unique=True)
    days = models.PositiveIntegerField("保存天数")
    active = models.BooleanField("启用", default=True)
    note = models.CharField("依据/说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "dataio_retentionpolicy"
        ordering = ["kind"]
        verbose_name = "保存期限"
        verbose_name_plural = "保存期限"

    def __str__(self) -> str:
        return f"{self.kind_label}：{self.days} 天"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    def clean(self):
        from django.core.exceptions import ValidationError

        floor = kind_floor(self.kind)
        if self.days is not None and self.days < floor:
            raise ValidationError({"days": f"{self.kind_label}至少保存 {floor} 天"})


def kind_label(key: str) -> str:
    """The registered label of a retention kind (the key itself for a kind no app registers any more)."""
    from linli.core.modules import registry

    kind = registry.retention.get(key)
    return kind.label if kind else key


def kind_floor(key: str) -> int:
    from linli.core.modules import registry

    kind = registry.retention.get(key)
    return kind.min_days if kind else 0


class LegalHold(models.Model):
    """A hold that stops the purge: on one person's records, or on a whole kind of record."""

    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="人员"
    )
    kind = models.CharField("记录类型", max_length=20, blank=True)
    reason = models.CharField("事由", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="设立人"
    )
    created_at = models.DateTimeField("设立时间", auto_now_add=True)
    released_at = models.DateTimeField("解除时间", null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="解除人",
    )

    class Meta:
        db_table = "dataio_legalhold"
        ordering = ["-created_at", "-pk"]
        verbose_name = "法律保全"
        verbose_name_plural = "法律保全"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(kind=""), name="legalhold_person_or_kind"
            )
        ]

    def __str__(self) -> str:
        target = self.person.name if self.person_id else self.kind_label
        return f"保全：{target}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind) if self.kind else ""

    @property
    def is_active(self) -> bool:
        return self.released_at is None
