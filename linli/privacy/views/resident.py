"""Resident pages: a copy of everything the platform holds about me (PIPL Art. 45) and correction requests (Art. 46)."""

import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.errors import DomainError
from linli.core.models import AuditLog
from linli.privacy import selectors, services
from linli.privacy.forms import CorrectionForm

LOGIN = "/accounts/login/?next=/m/me/data/"


def _me(request):
    return selectors.me(user=request.user)


def _record(request, person, fmt: str) -> None:
    audit.record(
        actor=request.user, action=AuditLog.Action.EXPORT, target=person, field="本人数据副本", extra={"format": fmt}
    )


@login_required(login_url=LOGIN)
def my_data(request):
    me = _me(request)
    corrections = selectors.my_corrections(user=request.user)[:50]
    form = CorrectionForm()
    sections = _readable(selectors.personal_data_copy(me)) if me is not None else []
    return render(
        request,
        "privacy/resident/my_data.html",
        {"me": me, "corrections": corrections, "form": form, "sections": sections},
    )


def _readable(data: dict) -> list[dict]:
    """The copy as the page shows it: per section, its single values and its tables (header and rows)."""

    def table(label: str, rows: list[dict]) -> dict:
        headers = list(rows[0].keys()) if rows else []
        return {"label": label, "headers": headers, "rows": [[_text(r.get(h)) for h in headers] for r in rows]}

    out = []
    for label, content in data.items():
        if not content or not isinstance(content, dict | list):
            continue
        if isinstance(content, list):
            out.append({"label": label, "fields": [], "tables": [table("", content)]})
            continue
        fields = [(k, _text(v)) for k, v in content.items() if not isinstance(v, list)]
        tables = [table(k, v) for k, v in content.items() if isinstance(v, list) and v]
        out.append({"label": label, "fields": fields, "tables": tables})
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    return str(value)


@login_required(login_url=LOGIN)
def my_data_json(request):
    me = _me(request)
    if me is None:
        raise Http404
    _record(request, me, "json")
    body = json.dumps(selectors.personal_data_copy(me), ensure_ascii=False, indent=2)
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
    data = selectors.personal_data_copy(me)
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
    return redirect("privacy:my_data")


@login_required(login_url=LOGIN)
@require_POST
def correction_withdraw(request, pk):
    item = get_object_or_404(selectors.my_corrections(user=request.user), pk=pk)
    try:
        services.correction_withdraw(actor=request.user, request=item)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("privacy:my_data")
