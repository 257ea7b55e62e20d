"""The base of every API viewset: scoped querysets, one FilterSet, declared fields only."""

from django.http import Http404
from rest_framework import viewsets

from linli.core import replica
from linli.core.scoping import restrict


class ScopedViewSetMixin:
    """``kind`` names the scope; every queryset goes through ``restrict`` (out of scope → 404)."""

    kind: str = ""
    # The list (GET on the collection) is read from the replica when one is configured (linli.core.replica).
    replica_reads = False

    def base_queryset(self):
        raise NotImplementedError

    def action_verb(self) -> str:
        return {"create": "add", "update": "change", "partial_update": "change", "destroy": "delete"}.get(
            getattr(self, "action", None) or "", "view"
        )

    def required_action(self, request) -> str:
        return f"{self.kind}.{self.action_verb()}"

    def get_queryset(self):
        verb = self.action_verb()
        return restrict(self.request.user, f"{self.kind}.{'view' if verb == 'add' else verb}", self.base_queryset())

    def filter_queryset(self, queryset):
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and self.action == "list":
            fs = filterset_class(self.request.query_params, queryset=queryset, request=self.request)
            if not fs.is_valid():
                from rest_framework.exceptions import ValidationError

                raise ValidationError(fs.errors)
            return fs.qs
        return queryset

    def get_object(self):
        try:
            return super().get_object()
        except (ValueError, TypeError):
            raise Http404


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    def list(self, request, *args, **kwargs):
        if not self.replica_reads:
            return super().list(request, *args, **kwargs)
        with replica.reading():  # the page is serialised inside: every row is read here
            return super().list(request, *args, **kwargs)
