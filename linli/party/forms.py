from django import forms

from linli.party.models import Attendance, Disclosure, MeetingKind, OrgKind, PartyMember


class MeetingForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label="党组织")
    kind = forms.ChoiceField(choices=MeetingKind.choices, label="会议类型")
    title = forms.CharField(max_length=120, label="会议主题")
    starts_at = forms.DateTimeField(
        label="召开时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    place = forms.CharField(max_length=100, required=False, label="地点")
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="议程")
    online_allowed = forms.BooleanField(required=False, initial=True, label="允许流动党员线上参会")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class MinutesForm(forms.Form):
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="会议记录")
    follow_ups = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="会后落实事项")
    follow_ups_done = forms.BooleanField(required=False, label="落实事项已完成")


class AttendanceForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=Attendance.Status.choices, label="出勤")
    reason = forms.CharField(max_length=200, required=False, label="原因")


class CheckinForm(forms.Form):
    code = forms.CharField(
        max_length=6, label="签到码", widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    )
    online = forms.BooleanField(required=False, label="线上参会（流动党员）")


class DisclosureForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label="党组织")
    title = forms.CharField(max_length=120, label="标题")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="内容")
    audience = forms.ChoiceField(choices=Disclosure.Audience.choices, label="公开范围")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "通过并公开"), ("reject", "退回修改")], label="审核结果")
    note = forms.CharField(max_length=200, required=False, label="审核意见")


class CycleForm(forms.Form):
    kind = forms.ChoiceField(choices=MeetingKind.choices, label="会议类型")
    per_year = forms.IntegerField(min_value=0, max_value=52, label="每年应开次数")


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(choices=[("phone", "联系电话"), ("id_number", "身份证号")], label="字段")
    reason = forms.CharField(max_length=200, label="查看事由")


class MemberAddForm(forms.Form):
    id_number = forms.CharField(max_length=18, label="身份证号", help_text="人口库中已登记人员的身份证号")
    organization = forms.ModelChoiceField(queryset=None, label="所在党组织")
    status = forms.ChoiceField(choices=PartyMember.Status.choices, label="党员类别")
    probation_start = forms.DateField(
        required=False, label="预备期开始", widget=forms.DateInput(attrs={"type": "date"})
    )
    work_status = forms.ChoiceField(choices=PartyMember.WorkStatus.choices, label="在职状态")
    flowing_to = forms.CharField(max_length=100, required=False, label="流动去向")
    joined_on = forms.DateField(required=False, label="入党日期", widget=forms.DateInput(attrs={"type": "date"}))
    vanguard_post = forms.CharField(max_length=50, required=False, label="先锋岗")
    is_central_household = forms.BooleanField(required=False, label="党员中心户")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class OrganizationAddForm(forms.Form):
    name = forms.CharField(max_length=100, label="组织名称")
    kind = forms.ChoiceField(choices=OrgKind.choices, label="组织类型")
    parent = forms.ModelChoiceField(queryset=None, required=False, label="上级组织")
    region = forms.ModelChoiceField(queryset=None, label="所在区域")
    secretary_name = forms.CharField(max_length=50, required=False, label="书记/组长")
    leader_name = forms.CharField(max_length=50, required=False, label="楼栋党小组长")
    established_on = forms.DateField(required=False, label="成立日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organizations, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = organizations
        self.fields["region"].queryset = regions
