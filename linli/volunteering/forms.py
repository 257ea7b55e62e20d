from django import forms

from linli.volunteering.models import Activity, Team, Wish

DT = {"type": "datetime-local", "class": "form-control"}


class WishForm(forms.Form):
    title = forms.CharField(
        label="心愿", max_length=60, widget=forms.TextInput(attrs={"placeholder": "如：想要一台收音机"})
    )
    category = forms.ChoiceField(label="类别", choices=Wish.Category.choices, initial=Wish.Category.DAILY)
    content = forms.CharField(
        label="具体需求", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    address = forms.CharField(label="联系地址（只给认领人看）", max_length=100, required=False)


class StaffWishForm(WishForm):
    beneficiary_name = forms.CharField(label="心愿人姓名", max_length=50)
    is_minor = forms.BooleanField(label="心愿人是未成年人（不公开任何信息）", required=False)
    region = forms.ChoiceField(label="所属区域")

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)


class FulfilForm(forms.Form):
    note = forms.CharField(label="实现情况", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    hours = forms.DecimalField(label="服务时长（小时）", max_digits=4, decimal_places=1, min_value=0, max_value=24,
                               required=False, initial=1)  # fmt: skip
    photo = forms.ImageField(label="照片（可选）", required=False)


class ActivityForm(forms.Form):
    title = forms.CharField(label="活动名称", max_length=80)
    category = forms.ChoiceField(label="类别", choices=Activity.Category.choices)
    place = forms.CharField(label="地点", max_length=100)
    starts_at = forms.DateTimeField(label="开始时间", widget=forms.DateTimeInput(attrs=DT))
    ends_at = forms.DateTimeField(label="结束时间", widget=forms.DateTimeInput(attrs=DT))
    quota = forms.IntegerField(label="名额", min_value=1, max_value=1000)
    region = forms.ChoiceField(label="所属区域")
    team = forms.ChoiceField(label="服务队", required=False)
    description = forms.CharField(
        label="活动内容", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, regions=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]
        self.fields["team"].choices = [("", "—")] + [(t.pk, t.name) for t in teams]


class TeamForm(forms.Form):
    name = forms.CharField(label="队名", max_length=60)
    kind = forms.ChoiceField(label="类型", choices=Team.Kind.choices)
    region = forms.ChoiceField(label="所属社区")
    description = forms.CharField(label="简介", max_length=200, required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]


class JoinForm(forms.Form):
    skills = forms.CharField(label="特长（可选）", max_length=200, required=False)
    consent = forms.BooleanField(
        label="我同意社区记录我的志愿服务信息（身份、服务时间、地点、内容、时长），用于服务记录与证明", required=False
    )


class CorrectionForm(forms.Form):
    hours = forms.DecimalField(label="应为多少小时", max_digits=4, decimal_places=1, min_value=0, max_value=24)
    reason = forms.CharField(label="理由", max_length=300)
