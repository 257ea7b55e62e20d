"""Console pages for people: lists, the person page with tabs, registration, editing, unmasking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from linli.core.audit import changes_for
from linli.core.errors import DomainError
from linli.core.forms import UnmaskForm
from linli.core.scoping import can, has_action, restrict
from linli.core.views.generic import Column, ObjectDetailView, ObjectListView
from linli.people import selectors, services
from linli.people.filtersets import EntityFilterSet, HouseholdFilterSet, PersonFilterSet, PlaceFilterSet
from linli.people.forms import PersonCreateForm, PersonEditForm


class PersonListView(ObjectListView):
    kind = "person"
    replica_reads = True
    title = "实有人口"
    filterset_class = PersonFilterSet
    add_url_name = "people:person_add"
    columns = [
        Column("姓名", "name", link=True),
        Column("性别", "sex"),
        Column("年龄", "age"),
        Column("证件号码", "id_number_masked", css="font-monospace"),
        Column("联系电话", "phone_masked", css="font-monospace"),
        Column("人员类型", "person_type"),
        Column("政治面貌", "political_status"),
        Column("网格/十联户", "region.name"),
    ]

    def base_queryset(self):
        return selectors.person_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not has_action(self.request.user, "person.unmask"):
            context["columns"] = [Column("年龄段", "age_band") if c.accessor == "age" else c for c in self.columns]
        return context


class PersonDetailView(ObjectDetailView):
    kind = "person"
    template_name = "people/console/person_detail.html"

    def base_queryset(self):
        return selectors.person_rows(detail=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person, user = self.object, self.request.user
        current, past = selectors.person_houses(user=user, person=person)
        household_members = []
        if person.household_id:
            household_members = list(selectors.household_members(user=user, household_id=person.household_id))
        context.update(
            tab=self.request.GET.get("tab", "info"),
            current_residencies=current,
            past_residencies=past,
            household_members=household_members,
            tags=selectors.visible_tags(user=user, person=person),
            can_unmask=can(user, "person.unmask", person),
            can_change=can(user, "person.change", person),
            changes=changes_for(person)[:100] if self.request.GET.get("tab") == "history" else [],
            can_view_visits=has_action(user, "visit.view"),
            can_add_visit=has_action(user, "visit.add"),
            visits=list(selectors.visit_history(user=user, person=person)[:100])
            if self.request.GET.get("tab") == "visits"
            else [],
        )
        return context


@login_required
def person_add(request):
    if not has_action(request.user, "person.add"):
        raise Http404
    initial = {}
    house = None
    if request.GET.get("house"):
        house = restrict(request.user, "house.view").filter(pk=request.GET["house"]).first()
        initial["house"] = house
    form = PersonCreateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_create(
                actor=request.user,
                data=services.clean_person_data(**_person_fields(data)),
                house=data.get("house"),
                residency_kind=data["residency_kind"],
                region=data.get("region"),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已登记 {person.name}。")
            return redirect("people:person_detail", pk=person.pk)
    if form.data.get("house"):
        house = form.fields["house"].queryset.filter(pk=form.data.get("house")).first() or house
    if house is not None:
        form.fields["address"].widget = form.fields["address"].hidden_widget()
    return render(request, "people/console/person_form.html", {"form": form, "house": house, "title": "登记人员"})


@login_required
def person_edit(request, pk):
    person = get_object_or_404(restrict(request.user, "person.change"), pk=pk)
    if request.method == "POST":
        form = PersonEditForm(request.POST)
        if form.is_valid():
            try:
                services.person_update(
                    actor=request.user,
                    person=person,
                    version=form.cleaned_data["version"],
                    data=services.clean_person_data(**_person_fields(form.cleaned_data)),
                )
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("people:person_detail", pk=person.pk)
    else:
        # The ID number is shown masked in the form: re-typing it is required to change it.
        form = PersonEditForm(
            initial={
                "name": person.name,
                "id_type": person.id_type,
                "phone": "",
                "ethnicity": person.ethnicity,
                "hukou_address": person.hukou_address,
                "person_type": person.person_type,
                "political_status": person.political_status,
                "workplace": person.workplace,
                "notes": person.notes,
                "version": person.version,
            }
        )
        form.fields["id_number"].help_text = f"当前：{person.id_number_masked}。为保护个人信息，请重新输入完整号码。"
        form.fields["phone"].help_text = f"当前：{person.phone_masked or '未登记'}。留空表示删除电话。"
    return render(
        request, "people/console/person_form.html", {"form": form, "person": person, "title": f"修改 {person.name}"}
    )


def _person_fields(data: dict) -> dict:
    keys = ["name", "id_type", "id_number", "phone", "ethnicity", "hukou_address", "person_type",
            "political_status", "workplace", "notes"]  # fmt: skip
    return {k: data.get(k, "") for k in keys}


def _form_errors(form, exc: DomainError) -> None:
    for field, message in exc.errors:
        form.add_error(field if field in form.fields else None, message)


@login_required
@require_POST
def person_unmask(request, pk):
    """htmx: reveal one field after a reason is given; the access is recorded either way."""
    person = get_object_or_404(restrict(request.user, "person.view"), pk=pk)
    form = UnmaskForm(request.POST)
    context = {"person": person, "form": form, "field": request.POST.get("field", "id_number")}
    if form.is_valid():
        try:
            context["value"] = services.person_unmask(
                actor=request.user, person=person, field=form.cleaned_data["field"], reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            context["error"] = exc.message
    return render(request, "people/partials/unmask.html", context)


class HouseholdListView(ObjectListView):
    kind = "household"
    title = "户"
    filterset_class = HouseholdFilterSet
    columns = [
        Column("户", "__str__", link=True),
        Column("户主", "householder.name"),
        Column("住址", "house"),
    ]

    def base_queryset(self):
        return selectors.household_rows()


class HouseholdDetailView(ObjectDetailView):
    kind = "household"
    template_name = "people/console/household_detail.html"

    def base_queryset(self):
        return selectors.household_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.household_members(user=self.request.user, household_id=self.object.pk)
        context["can_add_visit"] = has_action(self.request.user, "visit.add")
        context["exact_age"] = has_action(self.request.user, "person.unmask")
        return context


class EntityListView(ObjectListView):
    kind = "entity"
    title = "单位组织"
    filterset_class = EntityFilterSet
    columns = [
        Column("名称", "name", link=True),
        Column("类型", "kind"),
        Column("统一社会信用代码", "credit_code", css="font-monospace"),
        Column("负责人", "legal_person"),
        Column("网格", "grid.name"),
        Column("地址", "address"),
    ]

    def base_queryset(self):
        return selectors.entity_rows()


class EntityDetailView(ObjectDetailView):
    kind = "entity"
    template_name = "people/console/entity_detail.html"

    def base_queryset(self):
        return selectors.entity_rows()


class PlaceListView(ObjectListView):
    kind = "place"
    title = "场所"
    filterset_class = PlaceFilterSet
    columns = [
        Column("名称", "name", link=True),
        Column("类型", "kind"),
        Column("负责人", "contact_name"),
        Column("联系电话", "phone_masked", css="font-monospace"),
        Column("网格", "grid.name"),
        Column("消防风险", "fire_risk"),
        Column("地址", "address"),
    ]

    def base_queryset(self):
        return selectors.place_rows()


class PlaceDetailView(ObjectDetailView):
    kind = "place"
    template_name = "people/console/place_detail.html"

    def base_queryset(self):
        return selectors.place_rows(detail=True)
