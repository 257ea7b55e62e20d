"""Import ledger, export jobs, and the personal-data protections: corrections, consent, retention, legal holds."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from linli.core.fields import EncryptedTextField, PathField
from linli.core.models import StatusTransition

AUDIT_MINIMUM_DAYS = 183  # Cybersecurity Law Art. 21: network logs kept for at least six months.


class ImportBatch(models.Model):
    """One uploaded file and what became of it: dry run, commit, rollback (the import ledger, 导入台账)."""

    class Kind(models.TextChoices):
        PERSONS = "persons", "人员（含户、人房关系、标签）"
        HOUSES = "houses", "房屋"
        ENTITIES = "entities", "单位组织"
        PLACES = "places", "场所"

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        VALIDATING = "validating", "校验中"
        VALIDATED = "validated", "已校验（试导入）"
        COMMITTING = "committing", "导入中"
        COMMITTED = "committed", "已导入"
        FAILED = "failed", "失败"
        ROLLED_BACK = "rolled_back", "已撤销"

    kind = models.CharField("导入类型", max_length=12, choices=Kind.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="导入人"
    )
    actor_name = models.CharField("导入人", max_length=150)
    # The narrowest region the importer works in when the batch was made: who else may see the batch.
    region = models.ForeignKey(
        "core.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="所属区域"
    )
    region_path = PathField(blank=True)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件 SHA-256", max_length=64, db_index=True)
    file_size = models.PositiveIntegerField("文件大小（字节）", default=0)
    # The upload, sealed with the field key (AES-GCM) under var/imports/; removed after commit or expiry.
    stored_file = models.CharField("存储文件", max_length=255, blank=True)
    create_houses = models.BooleanField("自动新建缺失房屋", default=False)
    skip_invalid = models.BooleanField(
        "只导入有效行", default=False, help_text="否：全部或不导入（默认）；是：跳过有问题的行，导入其余各行"
    )
    rows_total = models.PositiveIntegerField("数据行数", default=0)
    rows_done = models.PositiveIntegerField("已处理行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变化", default=0)
    error_count = models.PositiveIntegerField("问题数", default=0)
    report = models.JSONField("报告", default=dict, blank=True)
    is_job = models.BooleanField("后台任务", default=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True, db_index=True)
    validated_at = models.DateTimeField("校验时间", null=True, blank=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    rolled_back_at = models.DateTimeField("撤销时间", null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="撤销人",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"

    def __str__(self) -> str:
        return f"导入批次 #{self.pk} {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("dataio:import_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.VALIDATING, self.Status.COMMITTING)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0 if self.is_running else 100
        return min(100, int(self.rows_done * 100 / self.rows_total))


class ImportTransition(StatusTransition):
    """Append-only history of an import batch's status."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="transitions", verbose_name="批次")
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12)

    status_choices = ImportBatch.Status

    class Meta(StatusTransition.Meta):
        verbose_name = "导入批次状态变更"
        verbose_name_plural = "导入批次状态变更"


class ImportTrace(models.Model):
    """What one committed batch created or changed, in chunks: enough to undo it exactly.

    ``ids`` are primary keys of ``model``; ``versions`` the row fingerprints right after the import (a row whose
    fingerprint differs at rollback time was touched later, and the rollback is refused); ``before`` holds, for
    updates, the raw column values to restore.
    """

    class Op(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="traces", verbose_name="批次")
    seq = models.PositiveIntegerField("顺序")
    model = models.CharField("模型", max_length=64)
    op = models.CharField("操作", max_length=8, choices=Op.choices)
    ids = models.JSONField("记录", default=list)
    versions = models.JSONField("指纹", default=list)
    before = models.JSONField("原值", default=dict, blank=True)

    class Meta:
        ordering = ["batch", "seq"]
        verbose_name = "导入痕迹"
        verbose_name_plural = "导入痕迹"

    def __str__(self) -> str:
        return f"#{self.batch_id} {self.op} {self.model} ×{len(self.ids)}"


class ExportJob(models.Model):
    """An export of a console list, written to var/exports and served only to its owner until it expires."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        EXPIRED = "expired", "已过期"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="导出人"
    )
    kind = models.CharField("数据类型", max_length=32)
    title = models.CharField("名称", max_length=100)
    view = models.CharField("列表视图", max_length=200, help_text="生成时按原列表的筛选重新查询")
    path = models.CharField("列表地址", max_length=200)
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    masked = models.BooleanField("脱敏", default=True)
    reason = models.CharField("明文导出事由", max_length=500, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField("预计行数", default=0)
    rows_done = models.PositiveIntegerField("已写入行数", default=0)
    file = models.CharField("文件", max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField("文件大小", default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)
    downloads = models.PositiveIntegerField("下载次数", default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"

    def __str__(self) -> str:
        return f"{self.title} 导出 #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("dataio:export_detail", args=[self.pk])

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(self.rows_done * 100 / self.rows_total)) if self.rows_total else 0


class ExportDisclosure(models.Model):
    """Which persons an export contained: answers "who exported 张三's data" for the auditor."""

    export = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="+", verbose_name="导出")
    person_id = models.BigIntegerField("人员", db_index=True)

    class Meta:
        verbose_name = "导出所含人员"
        verbose_name_plural = "导出所含人员"

    def __str__(self) -> str:
        return f"{self.export_id}:{self.person_id}"


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
        ordering = ["-created_at", "-pk"]
        verbose_name = "更正申请"
        verbose_name_plural = "更正申请"

    def __str__(self) -> str:
        return f"{self.person} · {self.get_field_display()} 更正申请"

    def get_absolute_url(self) -> str:
        return reverse("dataio:correction_detail", args=[self.pk])

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
    """How long one kind of record is kept before the nightly purge removes it."""

    class Kind(models.TextChoices):
        ENDED_RESIDENCY = "ended_residency", "已结束的人房关系"
        CLOSED_CORRECTION = "closed_correction", "已办结的更正申请"
        EXPORT_FILE = "export_file", "导出文件"
        IMPORT_FILE = "import_file", "导入上传文件与撤销痕迹"
        AUDIT_LOG = "audit_log", "访问记录（不少于 6 个月）"
        CHANGE_LOG = "change_log", "变更记录（不少于 6 个月）"

    kind = models.CharField("记录类型", max_length=20, choices=Kind.choices, unique=True)
    days = models.PositiveIntegerField("保存天数")
    active = models.BooleanField("启用", default=True)
    note = models.CharField("依据/说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = "保存期限"
        verbose_name_plural = "保存期限"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.days} 天"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind in (self.Kind.AUDIT_LOG, self.Kind.CHANGE_LOG) and self.days < AUDIT_MINIMUM_DAYS:
            raise ValidationError({"days": f"日志至少保存 {AUDIT_MINIMUM_DAYS} 天（网络安全法第二十一条）"})


class LegalHold(models.Model):
    """A hold that stops the purge: on one person's records, or on a whole kind of record."""

    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="人员"
    )
    kind = models.CharField("记录类型", max_length=20, choices=RetentionPolicy.Kind.choices, blank=True)
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
        ordering = ["-created_at", "-pk"]
        verbose_name = "法律保全"
        verbose_name_plural = "法律保全"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(kind=""), name="legalhold_person_or_kind"
            )
        ]

    def __str__(self) -> str:
        target = self.person.name if self.person_id else self.get_kind_display()
        return f"保全：{target}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None
