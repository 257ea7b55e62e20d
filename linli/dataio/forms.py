from django import forms

from linli.core.models import AuditLog
from linli.dataio.models import ConsentPurpose, CorrectionRequest, RetentionPolicy


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入类型")
    file = forms.FileField(label="文件", help_text=".xlsx、.xls、.ods 或 .csv；表头上方可以有标题行")
    create_houses = forms.BooleanField(label="自动新建缺失的房屋（按 小区/楼栋/单元/房号）", required=False)
    mode = forms.ChoiceField(
        label="有问题的行",
        choices=[
            ("all", "全部或不导入：有任何一行有问题，整批都不导入（默认）"),
            ("valid", "导入有效行：跳过有问题的行，其余照常导入"),
        ],
        initial="all",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text="两种方式都可以下载“问题行”文件，修改后重新上传",
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xls,.ods,.csv"


class ExportForm(forms.Form):
    mode = forms.ChoiceField(
        label="证件号码与电话",
        choices=[("masked", "脱敏（默认）"), ("clear", "明文（需填写事由，记入访问记录）")],
        initial="masked",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="明文导出事由", max_length=500, required=False)

    def __init__(self, *args, can_unmask=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_unmask:
            self.fields["mode"].choices = [("masked", "脱敏")]


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


class RetentionForm(forms.Form):
    kind = forms.ChoiceField(label="记录类型", choices=RetentionPolicy.Kind.choices)
    days = forms.IntegerField(label="保存天数", min_value=1)
    active = forms.BooleanField(label="启用", required=False, initial=True)


class LegalHoldForm(forms.Form):
    person = forms.IntegerField(label="人员 ID（可选）", required=False)
    kind = forms.ChoiceField(
        label="记录类型（可选）", required=False, choices=[("", "—")] + list(RetentionPolicy.Kind.choices)
    )
    reason = forms.CharField(label="事由", max_length=300)
