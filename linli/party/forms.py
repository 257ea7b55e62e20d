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


def _date(**kwargs):
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


class TransferForm(forms.Form):
    to_org = forms.ModelChoiceField(queryset=None, label="转入组织")
    on = _date(label="转接日期", required=False, help_text="不填为今天")
    reason = forms.CharField(max_length=200, required=False, label="转接原因")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = organizations


class ResubmitForm(forms.Form):
    title = forms.CharField(max_length=120, required=False, label="标题")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, label="内容")


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, label="取消原因")


class UnitForm(forms.Form):
    name = forms.CharField(max_length=100, label="单位名称")
    unit_party_org = forms.CharField(max_length=100, required=False, label="单位党组织")
    community = forms.ModelChoiceField(queryset=None, label="报到社区")
    contact = forms.CharField(max_length=50, required=False, label="联络人")
    reported_on = _date(label="报到日期", required=False, help_text="不填为今天")

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


POSITION_NAMES = [
    ("党建指导员", "党建指导员"),
    ("便民服务员", "便民服务员"),
    ("民意收集员", "民意收集员"),
    ("", "自定义岗位…"),
]


class PositionForm(forms.Form):
    community = forms.ModelChoiceField(queryset=None, label="社区")
    preset = forms.ChoiceField(choices=POSITION_NAMES, required=False, label="岗位")
    custom = forms.CharField(max_length=50, required=False, label="自定义岗位名称", help_text="选“自定义岗位”时填写")
    quota = forms.IntegerField(min_value=1, max_value=999, label="名额")
    duties = forms.CharField(max_length=200, required=False, label="岗位职责")

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities

    def clean(self):
        data = super().clean()
        name = (data.get("custom") or "").strip() or data.get("preset") or ""
        if not name:
            self.add_error("custom", "自定义岗位名称：选择“自定义岗位”时请填写岗位名称。")
        data["name"] = name
        return data


class ClaimForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label="在职党员")
    unit = forms.ModelChoiceField(queryset=None, required=False, label="工作单位（报到单位）")

    def __init__(self, *args, members, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m.person.name}（{m.organization.name}）"
        self.fields["unit"].queryset = units


class ProjectForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, label="年度")
    title = forms.CharField(max_length=120, label="项目名称")
    agreement = forms.CharField(max_length=200, required=False, label="共建协议")
    progress = forms.IntegerField(min_value=0, max_value=100, initial=0, label="进度（%）")
    funds = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, initial=0, label="投入资金（元）")
    materials = forms.CharField(max_length=200, required=False, label="投入物资")
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="佐证材料说明")


class ProjectProgressForm(forms.Form):
    progress = forms.IntegerField(min_value=0, max_value=100, label="进度（%）")
    funds = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, label="投入资金（元）")
    materials = forms.CharField(max_length=200, required=False, label="投入物资")
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="佐证材料说明")


class ServiceForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, required=False, label="报到单位")
    member = forms.ModelChoiceField(queryset=None, required=False, label="或 在职党员")
    on = _date(label="日期")
    activity = forms.CharField(max_length=200, label="活动内容")
    hours = forms.DecimalField(min_value=0, max_value=24, decimal_places=1, initial=0, label="服务时长（小时）")
    wishes = forms.IntegerField(min_value=0, max_value=999, initial=0, label="认领微心愿（个）")

    def __init__(self, *args, members, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m.person.name}（{m.organization.name}）"
        self.fields["unit"].queryset = units


class CadreForm(forms.Form):
    name = forms.CharField(max_length=50, label="姓名")
    unit = forms.CharField(max_length=100, label="派出单位")
    community = forms.ModelChoiceField(queryset=None, label="下沉社区")
    assignment = forms.CharField(max_length=200, label="工作任务")
    start = _date(label="下沉日期")
    end = _date(label="结束日期", required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class MaterialForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label="党组织")
    title = forms.CharField(max_length=120, label="学习内容")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, label="正文/链接")
    hours = forms.DecimalField(min_value=0.1, max_value=10, decimal_places=1, initial=1, label="学时")
    due = _date(label="完成期限", required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class PairingForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label="结对党员")
    id_number = forms.CharField(max_length=18, label="帮扶对象身份证号", help_text="人口库中已登记人员，结对其所在的户")
    need = forms.CharField(max_length=200, label="困难情况")
    start = _date(label="结对日期", required=False, help_text="不填为今天")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m.person.name}（{m.organization.name}）"


class PairingEndForm(forms.Form):
    end = _date(label="结束日期", required=False, help_text="不填为今天")
    reason = forms.CharField(max_length=200, label="结束原因")


class VisitForm(forms.Form):
    on = _date(label="走访日期")
    help_given = forms.CharField(max_length=200, label="帮扶内容")


class WithdrawForm(forms.Form):
    on = _date(label="撤销日期", required=False, help_text="不填为今天")
    reason = forms.CharField(max_length=200, label="撤销原因", help_text="例如：工作调动、搬离本社区、身体原因")


class ServiceEditForm(forms.Form):
    on = _date(label="日期")
    activity = forms.CharField(max_length=200, label="活动内容")
    hours = forms.DecimalField(min_value=0, max_value=24, decimal_places=1, label="服务时长（小时）")
    wishes = forms.IntegerField(min_value=0, max_value=999, label="认领微心愿（个）")
    reason = forms.CharField(max_length=200, label="更正原因", help_text="记入操作记录")


class ServiceDeleteForm(forms.Form):
    delete_reason = forms.CharField(max_length=200, label="删除原因", help_text="例如：重复登记、登记错了党员")
