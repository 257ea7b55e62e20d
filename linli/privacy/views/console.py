"""Console pages of privacy: the auditor's person trail, correction requests, consent records, retention."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from linli.core.errors import DomainError
from linli.core.scoping import has_action
from linli.privacy import selectors, services
from linli.privacy.forms import ConsentForm, CorrectionHandleForm, LegalHoldForm, PersonAuditForm, RetentionForm
from linli.privacy.models import ConsentRecord, CorrectionRequest

# --- auditor: who touched whose data ----------------------------------------------------------------------


@login_required
def audit_person(request):
    """Person-centred audit: pick a person (by ID number or name), see every access, export, import and change."""
    if not has_action(request.user, "audit.view"):
        raise PermissionDenied("没有权限访问该页面。")
    # The term (a full ID number, or a name) is POSTed, so it stays out of URLs, history and logs; a single hit
    # redirects to the person's trail by id. Old links with ?q= still work (and are counted like the form).
    form = PersonAuditForm(request.POST if request.method == "POST" else (request.GET or None))
    candidates, person, accesses, changes, status = [], None, None, None, 200
    if form.is_valid():
        data = form.cleaned_data
        if data.get("person"):
            person = selectors.person_by_id(pk=data["person"])
        elif data.get("q"):
            try:
                candidates = list(selectors.find_persons(text=data["q"], actor=request.user))
            except DomainError as exc:
                messages.error(request, exc.message)
                status = 429
            keep = {k: data[k] for k in ("actor", "action", "since", "until") if data.get(k)}
            if len(candidates) == 1 and request.method == "POST":
                return redirect(f"{request.path}?{urlencode({'person': candidates[0].pk, **keep})}")
            if len(candidates) == 1:
                person = candidates[0]
        if person is not None:
            acc, chg = selectors.person_trail(
                person_ids=[person.pk],
                actor=data.get("actor") or "",
                since=data.get("since"),
                until=data.get("until"),
                actions=[data["action"]] if data.get("action") else None,
            )
            accesses = Paginator(acc.select_related("target_type"), 50).get_page(request.GET.get("page"))
            changes = chg[:200]
    return render(
        request,
        "privacy/console/audit_person.html",
        {"form": form, "candidates": candidates, "person": person, "accesses": accesses, "changes": changes,
         "title": "个人信息审计"},
        status=status,
    )  # fmt: skip


# --- corrections ------------------------------------------------------------------------------------------


@login_required
def correction_list(request):
    if not has_action(request.user, "correction.view"):
        raise PermissionDenied("没有权限访问该页面。")
    qs = selectors.corrections_for(user=request.user)
    status = request.GET.get("status", "submitted")
    if status in CorrectionRequest.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/console/correction_list.html",
        {"page_obj": page, "status": status, "statuses": CorrectionRequest.Status.choices, "title": "更正申请"},
    )


@login_required
def correction_detail(request, pk):
    item = get_object_or_404(selectors.corrections_for(user=request.user), pk=pk)
    can_handle = item.is_open and selectors.correction_may_handle(user=request.user, item=item)
    form = CorrectionHandleForm(request.POST or None)
    if request.method == "POST":
        if not can_handle:
            raise PermissionDenied("没有权限处理该申请。")
        if form.is_valid():
            try:
                services.correction_handle(
                    actor=request.user,
                    request=item,
                    accept=form.cleaned_data["decision"] == "accept",
                    reply=form.cleaned_data["reply"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已处理。")
                return redirect("privacy:correction_detail", pk=item.pk)
    return render(
        request,
        "privacy/console/correction_detail.html",
        {"item": item, "form": form, "can_handle": can_handle, "transitions": item.transitions.select_related("actor"),
         "title": "更正申请"},
    )  # fmt: skip


# --- consent ---------------------------------------------------------------------------------------------


@login_required
def consent_list(request):
    if not has_action(request.user, "consent.view"):
        raise PermissionDenied("没有权限访问该页面。")
    can_add = has_action(request.user, "consent.add")
    form = ConsentForm(request.POST or None, user=request.user) if can_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("没有权限登记同意。")
        if form.is_valid():
            data = form.cleaned_data
            person = selectors.person_for(user=request.user, pk=data["person"], action="person.change")
            guardian = None
            if data.get("guardian"):
                guardian = selectors.person_for(user=request.user, pk=data["guardian"], action="person.view")
            if person is None:
                form.add_error("person", "人员：不存在或不在您的管辖范围内")
            elif data.get("guardian") and guardian is None:
                form.add_error("guardian", "监护人：不存在或不在您的管辖范围内")
            else:
                try:
                    services.consent_record(
                        actor=request.user,
                        person=person,
                        purpose=data["purpose"],
                        granted=data["granted"] == "grant",
                        evidence=data["evidence"],
                        tag=data.get("tag"),
                        guardian=guardian,
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, "已登记。")
                    return redirect("privacy:consent_list")
    qs = selectors.consents_for(user=request.user)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    texts = selectors.active_consent_texts()
    return render(
        request,
        "privacy/console/consent_list.html",
        {
            "page_obj": page,
            "form": form,
            "texts": texts,
            "title": "同意记录",
            "purposes": ConsentRecord._meta.get_field("purpose").choices,
        },
    )


# --- retention ------------------------------------------------------------------------------------------


@login_required
def retention(request):
    if not has_action(request.user, "retention.view"):
        raise PermissionDenied("没有权限访问该页面。")
    can_edit = has_action(request.user, "retention.change")
    services.retention_defaults()
    policy_form = RetentionForm(request.POST or None, prefix="p") if can_edit else None
    hold_form = LegalHoldForm(request.POST or None, prefix="h") if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有系统管理员可以修改。")
        try:
            if "p-kind" in request.POST and policy_form.is_valid():
                d = policy_form.cleaned_data
                services.retention_set(actor=request.user, kind=d["kind"], days=d["days"], active=d["active"])
                messages.success(request, "已保存保存期限。")
                return redirect("privacy:retention")
            if "h-reason" in request.POST and hold_form.is_valid():
                d = hold_form.cleaned_data
                person = selectors.person_by_id(pk=d["person"]) if d.get("person") else None
                services.legal_hold_place(
                    actor=request.user, reason=d["reason"], person=person, kind=d.get("kind") or ""
                )
                messages.success(request, "已设立法律保全。")
                return redirect("privacy:retention")
            if "release" in request.POST:
                hold = selectors.legal_hold(pk=request.POST["release"])
                if hold is None:
                    raise Http404
                services.legal_hold_release(actor=request.user, hold=hold)
                messages.success(request, "已解除保全。")
                return redirect("privacy:retention")
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "privacy/console/retention.html",
        {"policies": selectors.retention_policies(), "holds": selectors.legal_holds(),
         "policy_form": policy_form, "hold_form": hold_form, "can_edit": can_edit, "title": "保存期限与法律保全"},
    )  # fmt: skip
