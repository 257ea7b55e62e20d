"""POST /api/v1/imports/ (multipart) and GET /api/v1/imports/{id}/ to poll a large one."""

import io

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from linli.core.errors import DomainError
from linli.core.http import parse_pk
from linli.core.scoping import can
from linli.dataio import selectors, services
from linli.dataio.api.serializers import ImportBatchSerializer, ImportCreateSerializer
from linli.dataio.importers import IMPORTERS


class ImportViewSet(viewsets.ViewSet):
    """Import a ledger. Answers {"created", "updated", "unchanged", "errors": [{"row", "column", "message"}]};
    files over 2,000 rows answer 202 with {"job": id} — poll GET /api/v1/imports/{id}/ until status is final."""

    parser_classes = [MultiPartParser, FormParser]

    def required_action(self, request) -> str:
        if getattr(self, "action", None) == "create":
            return IMPORTERS.get(request.data.get("kind"), (None, "person.import"))[1]
        return "importbatch.view"

    @extend_schema(request=ImportCreateSerializer, responses={200: ImportBatchSerializer, 202: ImportBatchSerializer})
    def create(self, request):
        form = ImportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data["file"]
        batch = services.import_upload(
            actor=request.user,
            kind=data["kind"],
            file_name=upload.name,
            data=upload.read(),
            create_houses=data["create_houses"],
            skip_invalid=data["skip_invalid"],
        )
        services.import_start(batch=batch, actor=request.user, commit=not data["dry_run"])
        batch.refresh_from_db()
        code = status.HTTP_202_ACCEPTED if batch.is_running else status.HTTP_200_OK
        return Response(ImportBatchSerializer(batch).data, status=code)

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="导入批次 ID")],
        responses={200: ImportBatchSerializer},
    )
    def retrieve(self, request, pk=None):
        batch = self._batch(request, pk)
        services.import_reap_stale(batch=batch)
        return Response(ImportBatchSerializer(batch).data)

    def _batch(self, request, pk):
        number = parse_pk(pk)
        batch = selectors.batches_for(user=request.user).filter(pk=number).first() if number is not None else None
        if batch is None:
            raise Http404
        return batch

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="导入批次 ID")],
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """The problem rows as .xlsx: the file's own columns plus 错误原因, ready to fix and upload again."""
        batch = self._batch(request, pk)
        may = request.user.pk == batch.actor_id or can(request.user, "importbatch.change", batch)
        if not may:
            raise Http404
        try:
            data = services.import_error_file(batch=batch, actor=request.user)
        except DomainError:
            raise Http404
        stem = batch.file_name.rsplit(".", 1)[0]
        return FileResponse(io.BytesIO(data), as_attachment=True, filename=f"{stem}-问题行.xlsx")

    @extend_schema(responses={200: ImportBatchSerializer(many=True)})
    def list(self, request):
        batches = selectors.batches_for(user=request.user).order_by("-created_at")[:50]
        return Response(ImportBatchSerializer(batches, many=True).data)


def register(router) -> None:
    router.register("imports", ImportViewSet, basename="import")
