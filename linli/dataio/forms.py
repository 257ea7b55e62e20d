from django import forms


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
