from django import forms

from linli.core.models import AuditLog
from linli.core.modules import retention_kinds
from linli.privacy.models import ConsentPurpose, CorrectionRequest


class PersonAuditForm(forms.Form):
    q = forms.CharField(label="人员（完整身份证号或姓名）", required=False)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    actor = forms.CharField(label="操作人", required=False)
    action = forms.ChoiceField(label="动作", required=False, choices=[("", "全部")] + list(AuditLog.Action.choices))
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label="需要更正的项目", choices=CorrectionRequest.Field.choices)
    requested = forms.CharField(label="应更正为", max_length=200)
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionHandleForm(forms.Form):
    decision = forms.ChoiceField(
        label="处理结果", choices=[("accept", "同意更正"), ("reject", "不予更正")], widget=forms.RadioSelect
    )
    reply = forms.CharField(label="答复", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConsentForm(forms.Form):
    person = forms.IntegerField(label="人员 ID", help_text="在人员详情页地址中可见")
    purpose = forms.ChoiceField(label="用途", choices=ConsentPurpose.choices)
    tag = forms.ModelChoiceField(label="标签（可选）", queryset=None, required=False, empty_label="不指定标签")
    granted = forms.ChoiceField(label="类型", choices=[("grant", "同意"), ("withdraw", "撤回同意")])
    guardian = forms.IntegerField(label="监护人人员 ID（未满十四周岁时必填）", required=False)
    evidence = forms.CharField(
        label="凭证", max_length=300, help_text="如：纸质同意书编号 2026-015，扫描件存于社区档案柜"
    )

    def __init__(self, *args, user=None, **kwargs):
        from linli.people.models import Tag

        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(requires_consent=True).order_by("path")


def _kind_choices() -> list[tuple[str, str]]:
    """The retention kinds the apps registered (``m.retention``)."""
    return [(k.key, k.label) for k in retention_kinds()]


class RetentionForm(forms.Form):
    kind = forms.ChoiceField(label="记录类型")
    days = forms.IntegerField(label="保存天数", min_value=1)
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices()


class LegalHoldForm(forms.Form):
    person = forms.IntegerField(label="人员 ID（可选）", required=False)
    kind = forms.ChoiceField(label="记录类型（可选）", required=False)
    reason = forms.CharField(label="事由", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *_kind_choices()]
