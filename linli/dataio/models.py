"""Import ledger and export jobs (the personal-data protections live in ``linli.privacy``)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from linli.core.fields import PathField
from linli.core.models import StatusTransition


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
