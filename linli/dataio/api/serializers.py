"""API shapes of imports: the report is the one the console shows."""

from rest_framework import serializers

from linli.dataio.importers import IMPORTERS
from linli.dataio.models import ImportBatch


class ImportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(IMPORTERS), help_text="persons | houses | entities | places")
    file = serializers.FileField(help_text=".xlsx / .xls / .ods / .csv")
    dry_run = serializers.BooleanField(
        default=True, help_text="true：只校验不写入；false：校验并一次性导入（全部或全不）"
    )
    create_houses = serializers.BooleanField(default=False, help_text="人员导入时自动新建缺失的房屋")
    skip_invalid = serializers.BooleanField(
        default=False,
        help_text="false（默认）：有任何问题整批不导入；true：跳过有问题的行，导入其余各行。"
        "问题行可从 GET /api/v1/imports/{id}/errors/ 下载（原列 + 错误原因）",
    )


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Excel 中看到的行号")
    column = serializers.CharField(help_text="文件中的列名")
    message = serializers.CharField()


class ImportBatchSerializer(serializers.ModelSerializer):
    job = serializers.IntegerField(source="pk", read_only=True)
    errors = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()
    details = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    dry_run = serializers.SerializerMethodField()
    committed = serializers.SerializerMethodField()
    error_rows = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = ["id", "job", "kind", "status", "dry_run", "committed", "skip_invalid", "file_name", "file_sha256",
                  "rows_total", "progress", "created", "updated", "unchanged", "error_count", "error_rows", "errors",
                  "warnings", "details", "created_at", "committed_at"]  # fmt: skip

    def get_errors(self, obj) -> list[dict]:
        return (obj.report or {}).get("errors", [])

    def get_warnings(self, obj) -> list[dict]:
        return (obj.report or {}).get("warnings", [])

    def get_details(self, obj) -> dict:
        return (obj.report or {}).get("details", {})

    def get_dry_run(self, obj) -> bool:
        return obj.status != ImportBatch.Status.COMMITTED

    def get_committed(self, obj) -> bool:
        """True only when rows were written; then created/updated/unchanged count what was saved."""
        return obj.status == ImportBatch.Status.COMMITTED

    def get_error_rows(self, obj) -> int:
        """Rows with problems (left out when skip_invalid; downloadable from …/errors/)."""
        return (obj.report or {}).get("error_rows", 0)

    def get_progress(self, obj) -> int:
        from linli.dataio.progress import get_progress

        if obj.is_running:
            p = get_progress("import", obj.pk)
            if p and p.get("total"):
                return min(99, int(p["done"] * 100 / p["total"]))
            return 0
        return 100
