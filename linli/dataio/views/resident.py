"""Resident pages: a copy of everything the platform holds about me (PIPL Art. 45) and correction requests (Art. 46)."""

import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core import audit, crypto, masking
from linli.core.audit import changes_for
from linli.core.errors import DomainError
from linli.core.models import AuditLog
from linli.dataio import services
from linli.dataio.forms import CorrectionForm
from linli.dataio.models import ConsentRecord, CorrectionRequest

LOGIN = "/accounts/login/?next=/m/me/data/"


def _me(request):
    from linli.people.models import Person

    return (
        Person.objects.filter(user=request.user)
        .select_related("region", "household__house__building__compound")
        .first()
    )


def collect(person, user) -> dict:
    """Everything about ``person``; their own ID number and phone in clear, other household members masked."""
    from linli.people.models import Person, Residency, TagAssignment

    def d(value):
        return value.isoformat() if value else None

    out = {
        "生成时间": timezone.localtime().isoformat(timespec="seconds"),
        "账号": {"用户名": user.username, "姓名": user.full_name, "手机号": user.phone_masked},
        "本人": {
            "姓名": person.name,
            "证件类型": person.get_id_type_display(),
            "证件号码": crypto.decrypt(person.id_number_enc),
            "性别": person.get_sex_display(),
            "出生日期": d(person.birth_date),
            "联系电话": crypto.decrypt(person.phone_enc),
            "民族": person.ethnicity,
            "户籍地": person.hukou_address,
            "人员类型": person.get_person_type_display(),
            "政治面貌": person.get_political_status_display(),
            "工作单位": person.workplace,
            "备注": person.notes,
            "所属网格": person.region.name if person.region_id else "",
            "登记时间": d(person.created_at),
            "更新时间": d(person.updated_at),
        },
        "户": None,
        "人房关系": [
            {"房屋": str(r.house), "关系": r.get_kind_display(), "起始": d(r.start), "结束": d(r.end)}
            for r in Residency.objects.filter(person=person).select_related("house__building__compound", "house__unit")
        ],
        "标签": [
            {"标签": a.tag.name, "起始": d(a.since), "登记时间": d(a.created_at)}
            for a in TagAssignment.objects.filter(person=person).select_related("tag")
        ],
        "同意记录": [
            {
                "用途": c.get_purpose_display(),
                "同意书版本": c.version,
                "类型": "同意" if c.granted else "撤回",
                "作出人": c.given_by,
                "时间": d(c.at),
                "凭证": c.evidence,
            }
            for c in ConsentRecord.objects.filter(person=person).select_related("guardian")
        ],  # fmt: skip
        "更正申请": [
            {
                "项目": c.get_field_display(),
                "当前": c.current,
                "申请更正为": c.requested,
                "状态": c.get_status_display(),
                "答复": c.reply,
                "时间": d(c.created_at),
            }
            for c in CorrectionRequest.objects.filter(person=person)
        ],  # fmt: skip
        "访问记录": [
            {
                "时间": d(a.created_at),
                "操作人": masking.mask_name(a.actor_name),
                "动作": a.get_action_display(),
                "字段": a.field,
                "事由": a.reason,
            }
            for a in AuditLog.objects.filter(
                target_type__model="person", target_type__app_label="people", target_id=str(person.pk)
            )[:500]
        ],  # fmt: skip
        "变更记录": [
            {
                "时间": d(c.created_at),
                "操作人": masking.mask_name(c.actor_name),
                "动作": c.get_action_display(),
                "变更": {k: [a, b] for k, a, b in c.changed_fields()},
            }
            for c in changes_for(person)[:500]
        ],  # fmt: skip
    }
    if person.household_id:
        household = person.household
        out["户"] = {
            "户号": household.number,
            "住址": str(household.house) if household.house_id else "",
            "成员": [
                {
                    "姓名": m.name,
                    "与户主关系": m.get_relation_display(),
                    "性别": m.get_sex_display(),
                    "证件号码": crypto.decrypt(m.id_number_enc) if m.pk == person.pk else m.id_number_masked,
                    "联系电话": crypto.decrypt(m.phone_enc) if m.pk == person.pk else m.phone_masked,
                }
                for m in Person.objects.filter(household_id=person.household_id).order_by("pk")
            ],  # fmt: skip
        }
    return out


def _record(request, person, fmt: str) -> None:
    audit.record(
        actor=request.user, action=AuditLog.Action.EXPORT, target=person, field="本人数据副本", extra={"format": fmt}
    )


@login_required(login_url=LOGIN)
def my_data(request):
    me = _me(request)
    corrections = CorrectionRequest.objects.filter(requested_by=request.user).select_related("person")[:50]
    form = CorrectionForm()
    return render(request, "dataio/resident/my_data.html", {"me": me, "corrections": corrections, "form": form})


@login_required(login_url=LOGIN)
def my_data_json(request):
    me = _me(request)
    if me is None:
        raise Http404
    _record(request, me, "json")
    body = json.dumps(collect(me, request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%88%91%E7%9A%84%E6%95%B0%E6%8D%AE.json"
    response["Cache-Control"] = "no-store"
    return response


@login_required(login_url=LOGIN)
def my_data_xlsx(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    me = _me(request)
    if me is None:
        raise Http404
    _record(request, me, "xlsx")
    data = collect(me, request.user)
    book = Workbook()
    book.remove(book.active)
    for section, content in data.items():
        if not isinstance(content, dict | list) or not content:
            continue
        ws = book.create_sheet(section[:31])
        if isinstance(content, dict):
            for key, value in content.items():
                if isinstance(value, list):
                    ws.append([key])
                    if value:
                        ws.append(list(value[0].keys()))
                        for item in value:
                            ws.append([str(v) if v is not None else "" for v in item.values()])
                else:
                    ws.append([key, "" if value is None else str(value)])
        else:
            ws.append(list(content[0].keys()))
            ws["A1"].font = Font(bold=True)
            for item in content:
                ws.append(
                    [
                        json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else ("" if v is None else str(v))
                        for v in item.values()
                    ]
                )
        ws.column_dimensions["A"].width = 18
        ws.column_dimensions["B"].width = 30
    buf = io.BytesIO()
    book.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%88%91%E7%9A%84%E6%95%B0%E6%8D%AE.xlsx"
    response["Cache-Control"] = "no-store"
    return response


@login_required(login_url=LOGIN)
@require_POST
def correction_new(request):
    me = _me(request)
    if me is None:
        raise Http404
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.correction_submit(actor=request.user, person=me, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已提交更正申请，社区工作人员处理后会在此显示结果。")
    else:
        messages.error(request, "请完整填写更正项目、更正内容和理由。")
    return redirect("dataio:my_data")


@login_required(login_url=LOGIN)
@require_POST
def correction_withdraw(request, pk):
    item = get_object_or_404(CorrectionRequest.objects.filter(requested_by=request.user), pk=pk)
    try:
        services.correction_withdraw(actor=request.user, request=item)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("dataio:my_data")
