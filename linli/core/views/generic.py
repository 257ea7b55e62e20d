"""Thin generic console views configured with a scope kind, a FilterSet and columns (NetBox's shape).

Every queryset goes through ``restrict``; an object outside it is a 404 exactly like a missing one.
A list answers only its table partial when the request comes from htmx.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import cached_property
from django.views.generic import DetailView, ListView

from linli.core import replica
from linli.core.scoping import has_action, restrict

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows: page 1 of a million-row scope stays fast, and says "10000+"."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


class KnownCountPaginator(CappedPaginator):
    """A paginator told its count (from counters) instead of counting the rows; the count is exact, never capped.
    A page is always a full slice of the rows: rows written past the services (a bulk load before its recount) are
    still listed, only the total is behind until the counters are recounted."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property: this is its cached value

    @property
    def capped(self) -> bool:
        return False

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


@dataclass
class Column:
    """A table column: ``accessor`` is a dotted attribute path; ``link`` makes it the row's link."""

    label: str
    accessor: str
    link: bool = False
    template: str | None = None
    css: str = ""

    def value(self, obj: Any):
        value: Any = obj
        for part in self.accessor.split("."):
            if value is None:
                return ""
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part, "")
            if callable(value) and not isinstance(value, Model):
                value = value()
        return "" if value is None else value


class ScopedMixin(LoginRequiredMixin):
    kind: str = ""
    action: str = "view"

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if not has_action(user, f"{self.kind}.{self.action}"):
            raise PermissionDenied("没有权限访问该页面。")
        return restrict(user, f"{self.kind}.{self.action}", self.base_queryset())


class ObjectListView(ScopedMixin, ListView):
    template_name = "core/console/object_list.html"
    partial_template = "core/console/object_list.html#table"
    filterset_class = None
    columns: list[Column] = []
    paginate_by = 50
    paginator_class = CappedPaginator
    title = ""
    add_url_name: str | None = None
    filter_errors: list[str] = []
    # Served by the read replica when one is configured (linli.core.replica): the page, counts included, is
    # rendered inside reading(). For read-only lists whose readers can take rows a few milliseconds old.
    replica_reads = False

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export_xlsx()
        if not self.replica_reads:
            return super().get(request, *args, **kwargs)
        with replica.reading():
            return replica.rendered(super().get(request, *args, **kwargs))

    def export_xlsx(self):
        """Export what the current filters show; masked values only, and an audit row."""
        from linli.core.export import export_response

        kind = self.kind
        if not has_action(self.request.user, f"{kind}.export"):
            raise PermissionDenied("没有导出权限。")
        self.action = "export"
        qs = self.get_queryset()
        if self.filter_errors:
            return render(self.request, "400.html", {"message": "；".join(self.filter_errors)}, status=400)
        return export_response(request=self.request, title=self.title, columns=self.columns, queryset=qs)

    def get_queryset(self):
        qs = super().get_queryset()
        self.filterset = None
        self.filter_errors = []
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            if self.filterset.is_bound and not self.filterset.is_valid():
                # An invalid filter (年龄≥ 100000) shows nothing rather than everything, and says why.
                self.filter_errors = _labelled(self.filterset.form)
                return qs.none()
            qs = self.filterset.qs
        return qs

    def render_to_response(self, context, **kwargs):
        # A 400 tells a scanner or a script that the query was refused; htmx swaps only 2xx answers, so the
        # partial that shows the same message keeps 200.
        if self.filter_errors and not getattr(self.request, "htmx", False):
            kwargs.setdefault("status", 400)
        return super().render_to_response(context, **kwargs)

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return [self.partial_template]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title,
            columns=self.columns,
            filterset=self.filterset,
            filter_errors=self.filter_errors,
            querystring=query.urlencode(),
            can_add=bool(self.add_url_name) and has_action(self.request.user, f"{self.kind}.add"),
            add_url_name=self.add_url_name,
            can_export=has_action(self.request.user, f"{self.kind}.export"),
        )
        return context


def _labelled(form) -> list[str]:
    """Each error of a form, prefixed with its field's label unless the message already names it."""
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out += [e if not label or e.startswith(f"{label}：") else f"{label}：{e}" for e in errors]
    return out


class ObjectDetailView(ScopedMixin, DetailView):
    """A record in scope (else 404), with its change history for the 变更历史 section."""

    history_rows = 50

    def get_context_data(self, **kwargs):
        from linli.core.audit import changes_for

        context = super().get_context_data(**kwargs)
        context.setdefault("changes", changes_for(self.object)[: self.history_rows])
        return context

    def get_object(self, queryset=None):
        queryset = queryset if queryset is not None else self.get_queryset()
        try:
            return queryset.get(pk=self.kwargs["pk"])
        except (queryset.model.DoesNotExist, ValueError):
            raise Http404("没有找到该记录。")
